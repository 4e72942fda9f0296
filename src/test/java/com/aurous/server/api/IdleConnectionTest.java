package com.aurous.server.api;

import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that starts a request and then goes quiet does not hold its connection forever. */
class IdleConnectionTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("http", new JsonObject().put("idle_timeout_s", 3))
        .put("api", new JsonObject().put("prefer_wait_max_s", 1).put("events_heartbeat_s", 1)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void aRequestWhoseBodyNeverArrivesHasItsConnectionClosedAfterTheIdleTimeout() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.node().port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(("POST /v1/images/estimate HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"prompt\":").getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      long start = System.nanoTime();
      InputStream in = s.getInputStream();
      boolean closed;
      try {
        while (in.read() != -1) {
          // Whatever the server says before closing is fine; it must close.
        }
        closed = true;
      } catch (SocketTimeoutException e) {
        closed = false;
      }
      assertThat(closed).as("the server closed the idle connection").isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000_000.0).as("seconds until closed").isLessThan(30);
    }
  }

  @Test
  void aConfiguredIdleTimeoutNotLongerThanTheLongestWaitIsRefusedAtStart() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> com.aurous.server.config.ServerConfig.from(
            com.aurous.server.config.ConfigLoader.deepMerge(node.node().config().json().copy(),
                new JsonObject().put("http", new JsonObject().put("idle_timeout_s", 60))
                    .put("api", new JsonObject().put("prefer_wait_max_s", 60)))))
        .hasMessageContaining("http.idle_timeout_s");
  }
}
