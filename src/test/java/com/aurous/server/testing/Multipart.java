package com.aurous.server.testing;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** multipart/form-data uploads over real HTTP, built by hand (nothing of the server's code). */
public final class Multipart {
  public static final String BOUNDARY = "aurous-test-boundary-7d1f";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Multipart() {}

  /** The body of one file part. */
  public static byte[] body(String field, String fileName, String contentType, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + fileName
        + "\"\r\nContent-Type: " + contentType + "\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(data);
    out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** POST /v1/files with one part named file. */
  public static ApiClient.Response upload(String baseUrl, String apiKey, String contentType, byte[] data) {
    return post(baseUrl, apiKey, "multipart/form-data; boundary=" + BOUNDARY, body("file", "ref", contentType, data));
  }

  public static ApiClient.Response post(String baseUrl, String apiKey, String contentType, byte[] body) {
    return post(baseUrl, "/v1/files", apiKey, contentType, body);
  }

  public static ApiClient.Response post(String baseUrl, String path, String apiKey, String contentType, byte[] body) {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
          .header("X-Api-Key", apiKey)
          .header("Content-Type", contentType)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
      return new ApiClient.Response(r.statusCode(), r.headers().map(), new String(r.body(), StandardCharsets.UTF_8), r.body());
    } catch (Exception e) {
      throw new IllegalStateException("upload failed: " + e, e);
    }
  }
}
