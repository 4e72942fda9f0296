package com.aurous.server.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

/**
 * The body of the one multipart route, POST /v1/files, in place of the JSON body handler: the
 * single file part named {@code file} is kept in memory up to the upload limit and nothing is
 * written to disk. A body declared larger than the limit is refused before any of it is read;
 * one that grows past it is cut off there (413, connection closed, nothing kept). Other form
 * fields are bounded by the HTTP server's form-attribute limit and ignored.
 */
public final class MultipartBodies {
  public static final String UPLOAD_PATH = "/v1/files";
  public static final String FIELD = "file";
  private static final String KEY = "aurous.upload";
  /** Room for the part headers and boundaries around the file itself. */
  private static final int ENVELOPE_BYTES = 16 * 1024;

  /** The uploaded part: its declared name and type (informational only) and its bytes. */
  public record Upload(String fileName, String declaredType, Buffer data) {}

  private MultipartBodies() {}

  /** POST /v1/files: the one route whose body is multipart/form-data instead of JSON. */
  static boolean isUploadRoute(RoutingContext ctx) {
    return ctx.request().method().name().equals("POST") && UPLOAD_PATH.equals(ctx.normalizedPath());
  }

  static boolean isMultipart(String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).trim().startsWith("multipart/form-data");
  }

  /** The file part read by {@link #read}; 400 when the request carried none. */
  public static Upload upload(RoutingContext ctx) {
    Upload u = ctx.get(KEY);
    if (u == null) {
      throw ApiException.invalid("missing_file", "Send the image as a multipart/form-data part named '" + FIELD + "'.", FIELD);
    }
    return u;
  }

  /** Reads the body of an upload request, with {@code maxFileBytes} the largest file accepted. */
  static void read(RoutingContext ctx, int maxFileBytes) {
    HttpServerRequest req = ctx.request();
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    if (!isMultipart(type) || !type.toLowerCase(Locale.ROOT).contains("boundary=")) {
      throw new ApiException(415, "invalid_request", "unsupported_media_type",
          "Upload the image as multipart/form-data (with a boundary), in a part named '" + FIELD + "'.", "Content-Type");
    }
    long maxBody = (long) maxFileBytes + ENVELOPE_BYTES;
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxBody) {
          tooLarge(ctx, maxFileBytes);
          return;
        }
      } catch (NumberFormatException e) {
        // The HTTP decoder refuses such a header before we get here.
      }
    }
    if (req.isEnded()) {
      ctx.next();
      return;
    }
    boolean[] failed = {false};
    req.setExpectMultipart(true);
    req.uploadHandler(part -> {
      if (failed[0]) {
        return;
      }
      if (!FIELD.equals(part.name()) || ctx.get(KEY) != null) {
        failed[0] = true;
        // Before the answer is written (ctx.fail writes it at once), or the Connection header comes too late.
        closeAfter(ctx);
        ctx.fail(ApiException.invalid("unexpected_file_part",
            "Send exactly one file, in a part named '" + FIELD + "' (got a file part '" + part.name() + "').", FIELD));
        return;
      }
      Buffer data = Buffer.buffer();
      part.handler(chunk -> {
        if (failed[0]) {
          return;
        }
        if (data.length() + chunk.length() > maxFileBytes || req.bytesRead() > maxBody) {
          failed[0] = true;
          tooLarge(ctx, maxFileBytes);
          return;
        }
        data.appendBuffer(chunk);
      });
      part.endHandler(v -> {
        if (!failed[0]) {
          ctx.put(KEY, new Upload(part.filename(), part.contentType(), data));
        }
      });
    });
    req.exceptionHandler(e -> {
      if (!failed[0]) {
        failed[0] = true;
        closeAfter(ctx);
        ctx.fail(ApiException.invalid("malformed_request", "The multipart body could not be read: it is broken or incomplete.", null));
      }
    });
    req.endHandler(v -> {
      if (!failed[0]) {
        ctx.next();
      }
    });
    req.resume();
  }

  private static void tooLarge(RoutingContext ctx, int maxFileBytes) {
    closeAfter(ctx);
    ctx.fail(new ApiException(413, "invalid_request", "file_too_large",
        "The file is larger than " + maxFileBytes + " bytes.", FIELD));
  }

  /** The rest of the body is not read: the connection ends with the answer. */
  private static void closeAfter(RoutingContext ctx) {
    if (!ctx.response().headWritten()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      ctx.response().endHandler(v -> ctx.request().connection().close());
    }
  }
}
