package com.aurous.server.net;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SSRF through address forms a gateway translates to IPv4 (IPv4-compatible, SIIT, NAT64, 6to4,
 * Teredo), the IPv6 discard prefix and the IPv4 benchmarking range: refused at create, both as
 * webhook_url and as a reference image URL, before anything is stored or fetched.
 */
class EmbeddedIpv4AddressTest {
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    api = node.client(node.newTeam(1000).key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[::127.0.0.1]", "[::7f00:1]", "[::10.0.0.1]", "[::8.8.8.8]",
      "[::ffff:0:7f00:1]", "[::ffff:0:127.0.0.1]", "[::ffff:0:a9fe:a9fe]",
      "[64:ff9b::7f00:1]", "[64:ff9b::127.0.0.1]", "[64:ff9b::a9fe:a9fe]", "[64:ff9b::808:808]",
      "[64:ff9b:1::7f00:1]", "[64:ff9b:1:ffff::1]",
      "[2002:7f00:1::]", "[2002:a9fe:a9fe::1]", "[2002:808:808::1]",
      "[2001::1]", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
      "[100::1]", "[100::ffff:ffff:ffff:ffff]",
      "198.18.0.1", "198.19.255.254", "198.18.0.0"})
  void anAddressThatEmbedsOrStandsInForAPrivateTargetIsRefusedAsWebhookAndReference(String host) {
    String url = "https://" + host + "/hook";
    ApiClient.Response webhook = api.post("/v1/images", new JsonObject().put("prompt", "p").put("webhook_url", url));
    assertThat(webhook.status()).as(url + " " + webhook.body()).isEqualTo(400);
    assertThat(webhook.errorCode()).isEqualTo("invalid_url");
    assertThat(webhook.errorParam()).isEqualTo("webhook_url");
    ApiClient.Response reference = api.post("/v1/images", new JsonObject().put("prompt", "p")
        .put("reference_image_urls", new JsonArray().add("https://example.com/ok.png").add(url)));
    assertThat(reference.status()).as(url + " " + reference.body()).isEqualTo(400);
    assertThat(reference.errorCode()).isEqualTo("invalid_url");
    assertThat(reference.errorParam()).isEqualTo("reference_image_urls[1]");
    assertThat(api.get("/v1/images").json().getJsonArray("data")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"198.17.255.255", "198.20.0.1", "[2001:4860:4860::8888]", "[2003::1]", "[64:ff9b:2::1]",
      "[100:0:0:1::1]", "[2606:4700::1111]"})
  void neighbouringPublicAddressesAreStillAccepted(String host) {
    String url = "https://" + host + "/a.png";
    ApiClient.Response r = api.post("/v1/images/estimate", new JsonObject().put("prompt", "p").put("webhook_url", url)
        .put("reference_image_urls", new JsonArray().add(url)));
    assertThat(r.status()).as(url + " " + r.body()).isEqualTo(200);
  }
}
