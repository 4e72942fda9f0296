package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CreateImageTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void createStoresPendingGenerationWithResolvedDefaultsAndReservesCredits() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "a lighthouse at dusk"));
    assertThat(r.status()).isEqualTo(201);
    JsonObject g = r.json();
    assertThat(g.getString("id")).startsWith("img_");
    assertThat(g.getString("status")).isEqualTo("pending");
    assertThat(g.getInteger("steps")).isEqualTo(11);
    assertThat(g.getDouble("guidance_scale")).isEqualTo(4.3);
    assertThat(g.getDouble("cfg_rescale")).isEqualTo(0.7);
    assertThat(g.getValue("denoise_strength")).isNull();
    assertThat(g.getString("inference_type")).isEqualTo("t2i");
    assertThat(g.getLong("seed")).isBetween(0L, 4294967295L);
    assertThat(g.getString("creation_request_id")).isEqualTo(r.header("Aurous-Request-Id"));
    assertThat(g.getString("aurous_version")).isEqualTo("2026-05-15");

    ApiClient.Response fetched = api.get("/v1/images/" + g.getString("id"));
    assertThat(fetched.status()).isEqualTo(200);
    assertThat(fetched.json().getString("prompt")).isEqualTo("a lighthouse at dusk");
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(99L);
    assertThat(node.teams().ledgerSum(team.team().id()).await()).isEqualTo(99L);
  }
}
