package com.aurous.server.testing;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a raw socket, for requests no well-behaved client would send (bad escapes,
 * control bytes, absent Host, broken framing). One connection, reused while the server keeps it
 * open; every read is bounded by a timeout, so a server that never answers fails the test.
 */
public final class RawHttp implements AutoCloseable {
  private final int port;
  private final int readTimeoutMillis;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private int connections;

  public RawHttp(int port, int readTimeoutMillis) {
    this.port = port;
    this.readTimeoutMillis = readTimeoutMillis;
  }

  /** A parsed response; {@code status} is -1 when the server closed the connection without one. */
  public record Response(int status, Map<String, String> headers, byte[] body, boolean closed) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The error envelope's inner object, or null when the body is not the envelope. */
    public JsonObject error() {
      try {
        JsonObject err = new JsonObject(text()).getJsonObject("error");
        if (err == null || !(err.getValue("type") instanceof String) || !(err.getValue("code") instanceof String)
            || !(err.getValue("message") instanceof String)) {
          return null;
        }
        return err;
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

  /** Thrown when the server neither answers nor closes within the read timeout. */
  public static final class Hang extends RuntimeException {
    Hang(String message) {
      super(message);
    }
  }

  public static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** How many TCP connections this client opened: shows whether the server kept them alive. */
  public int connections() {
    return connections;
  }

  /**
   * Sends {@code request} as-is and reads one response. With {@code halfClose} the client shuts
   * its output after sending (for truncated bodies: the server sees the end of the stream).
   */
  public Response exchange(byte[] request, boolean headOnly, boolean halfClose) {
    try {
      if (socket == null || socket.isClosed()) {
        open();
      }
      try {
        out.write(request);
        out.flush();
        if (halfClose) {
          socket.shutdownOutput();
        }
      } catch (IOException e) {
        // The server may already have answered and closed (e.g. a request line too long).
      }
      Response r = read(headOnly);
      String connection = r.header("connection");
      if (r.closed() || halfClose || (connection != null && connection.toLowerCase(Locale.ROOT).contains("close"))) {
        close();
      }
      return r;
    } catch (SocketTimeoutException e) {
      close();
      throw new Hang("no response within " + readTimeoutMillis + " ms to: " + abbreviate(request));
    } catch (IOException e) {
      close();
      return new Response(-1, Map.of(), new byte[0], true);
    }
  }

  public Response exchange(String request) {
    return exchange(bytes(request), request.startsWith("HEAD "), false);
  }

  private void open() throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(readTimeoutMillis);
    socket.setTcpNoDelay(true);
    in = new java.io.BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    connections++;
  }

  private Response read(boolean headOnly) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      return new Response(-1, Map.of(), new byte[0], true);
    }
    // Skip interim 1xx responses (100 Continue).
    while (statusLine.matches("HTTP/1\\.[01] 1\\d\\d.*")) {
      while (true) {
        String l = line();
        if (l == null || l.isEmpty()) {
          break;
        }
      }
      statusLine = line();
      if (statusLine == null) {
        return new Response(-1, Map.of(), new byte[0], true);
      }
    }
    String[] parts = statusLine.split(" ", 3);
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    while (true) {
      String l = line();
      if (l == null || l.isEmpty()) {
        break;
      }
      int colon = l.indexOf(':');
      if (colon > 0) {
        headers.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
      }
    }
    byte[] body;
    boolean closed = false;
    String length = headers.get("content-length");
    String te = headers.get("transfer-encoding");
    if (headOnly || status == 204 || status == 304) {
      body = new byte[0];
    } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      body = chunked();
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    } else {
      body = in.readAllBytes();
      closed = true;
    }
    return new Response(status, headers, body, closed);
  }

  private byte[] chunked() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    while (true) {
      String size = line();
      if (size == null) {
        return buf.toByteArray();
      }
      int n = Integer.parseInt(size.split(";")[0].trim(), 16);
      if (n == 0) {
        while (true) {
          String trailer = line();
          if (trailer == null || trailer.isEmpty()) {
            return buf.toByteArray();
          }
        }
      }
      buf.write(in.readNBytes(n));
      line();
    }
  }

  /** One CRLF-terminated line, or null at the end of the stream before any byte. */
  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] raw = b.toByteArray();
        int len = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        return new String(raw, 0, len, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  public static String abbreviate(byte[] request) {
    String s = latin1(request);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 300; i++) {
      char c = s.charAt(i);
      if (c == '\r') {
        out.append("\\r");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c < 0x20 || c >= 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (s.length() > 300) {
      out.append("...(").append(s.length()).append(" bytes)");
    }
    return out.toString();
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing a socket the server already dropped.
      }
      socket = null;
    }
  }
}
