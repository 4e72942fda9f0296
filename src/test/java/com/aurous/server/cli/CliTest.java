package com.aurous.server.cli;

import com.aurous.server.Main;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.Subprocess;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The operator commands against a real test database, and their effect over HTTP. */
class CliTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static List<String> run(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new AdminCommands(node.teams(), new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(new CliArgs(args));
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private static final JsonObject BODY = new JsonObject().put("prompt", "p");

  private static void awaitRevoked(ApiClient api) {
    Polling.until(() -> api.post("/v1/images/estimate", BODY).status(), s -> s == 401, Duration.ofSeconds(1), "the revocation");
  }

  @Test
  void teamsAndKeysLifecycle() {
    assertThat(run("teams", "create", "acme", "--credits", "50").get(0)).contains("acme").contains("50");
    assertThat(run("teams", "credit", "acme", "25").get(0)).contains("balance 75");
    assertThat(String.join("\n", run("teams", "list"))).contains("acme").contains("balance=75");

    List<String> created = run("keys", "create", "--team", "acme");
    String key = created.get(created.size() - 1);
    assertThat(key).matches("al_live_[0-9A-Za-z]{32,}");
    ApiClient api = node.client(key);
    assertThat(api.post("/v1/images", BODY).status()).isEqualTo(201);

    List<String> listed = run("keys", "list", "--team", "acme");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0)).startsWith("key_").doesNotContain(key).contains(key.substring(0, 14));

    assertThat(run("keys", "revoke", key).get(0)).contains("Revoked");
    // Nodes cache keys; the revocation reaches them through PostgreSQL NOTIFY within a second.
    awaitRevoked(api);
    ApiClient.Response r = api.post("/v1/images", BODY);
    assertThat(r.status()).isEqualTo(401);
    assertThat(run("keys", "list", "--team", "acme").get(0)).contains("REVOKED");
    assertThatThrownBy(() -> run("keys", "revoke", key)).isInstanceOf(CliArgs.CliException.class);

    // revoke by key id
    List<String> second = run("keys", "create", "--team", "acme");
    String secondKey = second.get(second.size() - 1);
    String keyId = second.get(0).split(" ")[2];
    assertThat(keyId).startsWith("key_");
    assertThat(node.client(secondKey).post("/v1/images/estimate", BODY).status()).isEqualTo(200);
    run("keys", "revoke", keyId);
    awaitRevoked(node.client(secondKey));
    assertThat(node.client(secondKey).post("/v1/images/estimate", BODY).status()).isEqualTo(401);

    // pin
    run("teams", "pin", "acme", "2026-05-15");
    assertThat(String.join("\n", run("teams", "list"))).contains("pinned=2026-05-15");
  }

  @Test
  void badInputIsACliErrorNotACrash() {
    run("teams", "create", "dupe");
    List<String[]> bad = List.of(
        new String[] {"teams", "create", "dupe"},
        new String[] {"teams", "create", "neg", "--credits", "-3"},
        new String[] {"teams", "create", "nan", "--credits", "lots"},
        new String[] {"teams", "create"},
        new String[] {"teams", "credit", "dupe", "abc"},
        new String[] {"teams", "credit", "dupe", "0"},
        new String[] {"teams", "credit", "dupe", "-5"},
        new String[] {"teams", "credit", "nobody", "5"},
        new String[] {"teams", "pin", "dupe", "soon"},
        new String[] {"keys", "create"},
        new String[] {"keys", "create", "--team", "nobody"},
        new String[] {"keys", "revoke", "key_nothing"},
        new String[] {"teams", "delete", "dupe"},
        new String[] {"teams"});
    for (String[] args : bad) {
      assertThatThrownBy(() -> run(args)).as(String.join(" ", args)).isInstanceOf(CliArgs.CliException.class);
    }
    assertThat(node.teams().findByName("neg").await()).isNull();
    assertThat(node.teams().balance(node.teams().findByName("dupe").await().id()).await()).isZero();
  }

  @Test
  void theJarsMainRunsTheCommandsAgainstTheConfiguredDatabase() throws Exception {
    Map<String, String> env = Map.of("AUROUS_DATABASE_URL", node.databaseUrl(),
        "AUROUS_DATA_DIR", Files.createTempDirectory("aurous-cli").toString());
    Subprocess.Result created = Subprocess.run(Main.class, env, "teams", "create", "via-main", "--credits", "9");
    assertThat(created.exitCode()).as(created.output()).isZero();
    assertThat(node.teams().balance(node.teams().findByName("via-main").await().id()).await()).isEqualTo(9L);
    Subprocess.Result bad = Subprocess.run(Main.class, env, "teams", "credit", "via-main", "abc");
    assertThat(bad.exitCode()).as(bad.output()).isEqualTo(2);
    assertThat(bad.output()).contains("error:").contains("whole number").doesNotContain("Exception");
  }
}
