package com.aurous.server.testing;

import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Server-Sent Events client over a raw socket: one GET, then events one by one as the server
 * writes them (chunked transfer decoded here). Every read is bounded by the read timeout, and
 * {@link #close()} drops the TCP connection the way a client that goes away does.
 */
public final class SseClient implements AutoCloseable {
  /** One event; {@code comment} for a line starting with ':' (heartbeats), the other fields null then. */
  public record Event(String id, String event, String data, String comment) {
    public JsonObject json() {
      return new JsonObject(data);
    }

    public long idNumber() {
      return Long.parseLong(id);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final int status;
  private final Map<String, String> headers;
  private final String body;
  private final boolean chunked;
  private long chunkLeft;
  private boolean ended;

  private SseClient(Socket socket, InputStream in, int status, Map<String, String> headers, String body) {
    this.socket = socket;
    this.in = in;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
  }

  /** {@code headers} as name, value pairs. */
  public static SseClient open(int port, String path, int readTimeoutMillis, String... headers) throws IOException {
    return open("HTTP/1.1", port, path, readTimeoutMillis, headers);
  }

  /** As {@link #open(int, String, int, String...)} in another HTTP version; an HTTP/1.0 stream is unframed, ended by the close. */
  public static SseClient open(String httpVersion, int port, String path, int readTimeoutMillis, String... headers)
      throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(readTimeoutMillis);
    StringBuilder req = new StringBuilder("GET " + path + " " + httpVersion + "\r\nHost: 127.0.0.1:" + port
        + "\r\nAccept: text/event-stream\r\n");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    req.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    InputStream in = new BufferedInputStream(socket.getInputStream());
    String statusLine = line(in);
    if (statusLine == null) {
      socket.close();
      throw new IOException("connection closed before a status line");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> h = new LinkedHashMap<>();
    for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
      int colon = l.indexOf(':');
      h.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    String body = null;
    if (h.containsKey("content-length")) {
      body = new String(in.readNBytes(Integer.parseInt(h.get("content-length"))), StandardCharsets.UTF_8);
    }
    return new SseClient(socket, in, status, h, body);
  }

  public int status() {
    return status;
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** The body of a response that is not a stream (an error envelope), else null. */
  public String body() {
    return body;
  }

  public JsonObject error() {
    return new JsonObject(body).getJsonObject("error");
  }

  /** The next event or comment; null once the server ended the stream. Throws when none comes within the read timeout. */
  public Event next() throws IOException {
    String id = null;
    String event = null;
    StringBuilder data = null;
    while (true) {
      String l = bodyLine();
      if (l == null) {
        return null;
      }
      if (l.isEmpty()) {
        if (id != null || event != null || data != null) {
          return new Event(id, event, data == null ? null : data.toString(), null);
        }
        continue;
      }
      if (l.startsWith(":")) {
        if (id == null && event == null && data == null) {
          return new Event(null, null, null, l.substring(1).trim());
        }
        continue;
      }
      int colon = l.indexOf(':');
      String field = colon < 0 ? l : l.substring(0, colon);
      String value = colon < 0 ? "" : l.substring(colon + 1).replaceFirst("^ ", "");
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { }
      }
    }
  }

  /** Events (comments skipped) until the stream ends. */
  public List<Event> rest() throws IOException {
    List<Event> all = new ArrayList<>();
    for (Event e; (e = next()) != null; ) {
      if (e.comment() == null) {
        all.add(e);
      }
    }
    return all;
  }

  /** Whether the server ended the stream (its last chunk read). */
  public boolean ended() {
    return ended;
  }

  private String bodyLine() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      int c = bodyByte();
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
      }
      if (c == '\n') {
        return b.toString(StandardCharsets.UTF_8);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
  }

  private int bodyByte() throws IOException {
    if (ended) {
      return -1;
    }
    if (!chunked) {
      int c = in.read();
      ended = c < 0;
      return c;
    }
    if (chunkLeft == 0) {
      String size = line(in);
      if (size == null) {
        ended = true;
        return -1;
      }
      if (size.isEmpty()) {
        size = line(in); // the CRLF after the previous chunk's data
      }
      if (size == null) {
        ended = true;
        return -1;
      }
      int semi = size.indexOf(';');
      chunkLeft = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (chunkLeft == 0) {
        line(in); // the blank line after the last chunk
        ended = true;
        return -1;
      }
    }
    int c = in.read();
    if (c < 0) {
      ended = true;
      return -1;
    }
    chunkLeft--;
    return c;
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      for (int c; (c = in.read()) >= 0; ) {
        if (c == '\n') {
          return b.toString(StandardCharsets.ISO_8859_1).replaceFirst("\r$", "");
        }
        b.write(c);
      }
    } catch (SocketTimeoutException e) {
      throw new SocketTimeoutException("no data within the read timeout");
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
