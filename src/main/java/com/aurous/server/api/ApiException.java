package com.aurous.server.api;

/**
 * An error the client caused or must know about, rendered as the API's error envelope:
 * {@code {"error":{"type":..,"code":..,"message":..,"param":..}}}.
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String code;
  private final String param;

  public ApiException(int status, String type, String code, String message, String param) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }

  public static ApiException invalid(String code, String message, String param) {
    return new ApiException(400, "invalid_request", code, message, param);
  }

  public static ApiException notFound(String message, String param) {
    return new ApiException(404, "invalid_request", "resource_missing", message, param);
  }

  public static ApiException conflict(String code, String message) {
    return new ApiException(409, "invalid_request", code, message, null);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "authentication_error", "invalid_api_key", message, null);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }
}
