package com.aurous.server.cli;

import com.aurous.server.catalog.LoraStore;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** loras add / list / remove against the node's database, seen through the API. */
class LoraCommandsTest {
  static TestNode node;
  static TestNode.TeamKey acme;
  static TestNode.TeamKey other;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    acme = node.newTeam(1000);
    other = node.newTeam(1000);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static List<String> run(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new LoraCommands(new LoraStore(node.node().pool()), node.teams(), new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .run(new CliArgs(args));
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private static String file(Object json) throws Exception {
    Path f = Files.createTempFile("styles", ".json");
    Files.writeString(f, json instanceof JsonArray a ? a.encodePrettily() : ((JsonObject) json).encodePrettily());
    return f.toString();
  }

  @Test
  void addedLorasAndBundlesAreServedAndAppliedAndRemovedOnesStopResolving() throws Exception {
    JsonArray entries = new JsonArray()
        .add(new JsonObject().put("slug", "sepia").put("name", "Sepia").put("adapter", "monochrome").put("adapter_weight", 0.8)
            .put("style_template", "{prompt}, sepia photograph").put("keywords", new JsonArray().add("Sepia"))
            .put("steps", 14).put("guidance_scale", 4.0))
        .add(new JsonObject().put("slug", "acme-house").put("name", "Acme House").put("kind", "bundle")
            .put("team", acme.team().name())
            .put("members", new JsonArray().add(new JsonObject().put("lora", "sepia").put("weight", 0.7))
                .add(new JsonObject().put("lora", "pastel").put("weight", 0.4))));
    List<String> out = run("loras", "add", file(entries));
    assertThat(out).hasSize(2);
    assertThat(out.get(0)).startsWith("Added lora sepia (lora_");
    assertThat(run("loras", "list")).anyMatch(l -> l.contains("acme-house") && l.contains("monochrome@0.7"));

    ApiClient api = node.client(acme.key());
    JsonObject sepia = api.get("/v1/loras/sepia").json();
    assertThat(sepia.getJsonObject("style_defaults").getInteger("steps")).isEqualTo(14);
    assertThat(sepia.getJsonArray("keywords").getList()).containsExactly("sepia");
    JsonObject g = api.post("/v1/images", new JsonObject().put("prompt", "a SEPIA harbour")).json();
    assertThat(g.getJsonArray("loras").getJsonObject(0).getString("name")).isEqualTo("Sepia");
    assertThat(g.getInteger("steps")).isEqualTo(14);
    JsonObject b = api.post("/v1/images", new JsonObject().put("prompt", "x").put("lora_id", "acme-house")).json();
    assertThat(b.getString("bundle_name")).isEqualTo("Acme House");
    Object adapters = node.node().pool().preparedQuery("SELECT adapters FROM generations WHERE id = $1")
        .execute(Tuple.of(b.getString("id"))).await().iterator().next().getValue(0);
    assertThat(adapters).isEqualTo(new JsonArray().add(new JsonObject().put("name", "monochrome").put("weight", 0.7))
        .add(new JsonObject().put("name", "pastel").put("weight", 0.4)));
    // private to acme
    assertThat(node.client(other.key()).get("/v1/loras/acme-house").status()).isEqualTo(404);

    // a member cannot go while its bundle stands
    assertThatThrownBy(() -> run("loras", "remove", "sepia")).hasMessageContaining("acme-house");
    run("loras", "remove", "acme-house");
    run("loras", "remove", "sepia");
    assertThat(api.get("/v1/loras/sepia").status()).isEqualTo(404);
    assertThat(api.post("/v1/images", new JsonObject().put("prompt", "x").put("lora_id", "sepia")).status()).isEqualTo(404);
    // the generation made with it keeps its name; the slug may be reused
    assertThat(api.get("/v1/images/" + g.getString("id")).json().getJsonArray("loras").getJsonObject(0).getString("name"))
        .isEqualTo("Sepia");
    run("loras", "add", file(new JsonObject().put("slug", "sepia").put("name", "Sepia 2")));
    assertThat(api.get("/v1/loras/sepia").json().getString("name")).isEqualTo("Sepia 2");
  }

  @Test
  void badFilesAreCliErrorsAndStoreNothing() throws Exception {
    int before = new LoraStore(node.node().pool()).listAll().await().size();
    Object[] bad = {
        new JsonObject().put("name", "no slug"),
        new JsonObject().put("slug", "Bad Slug").put("name", "x"),
        new JsonObject().put("slug", "x1").put("name", "x").put("steps", 0),
        new JsonObject().put("slug", "x2").put("name", "x").put("guidance_scale", 31),
        new JsonObject().put("slug", "x3").put("name", "x").put("style_template", "no placeholder"),
        new JsonObject().put("slug", "x4").put("name", "x").put("colour", "red"),
        new JsonObject().put("slug", "x5").put("name", "x").put("kind", "bundle"),
        new JsonObject().put("slug", "x6").put("name", "x").put("kind", "bundle")
            .put("members", new JsonArray().add(new JsonObject().put("lora", "no-such").put("weight", 1))),
        new JsonObject().put("slug", "pastel").put("name", "taken"),
        new JsonObject().put("slug", "x7").put("name", "x").put("team", "no-such-team"),
        new JsonArray().add(new JsonObject().put("slug", "ok-one").put("name", "x")).add(new JsonObject().put("slug", "ok-one").put("name", "y")),
    };
    for (Object b : bad) {
      assertThatThrownBy(() -> run("loras", "add", file(b))).as(String.valueOf(b)).isInstanceOf(CliArgs.CliException.class);
    }
    Path notJson = Files.createTempFile("styles", ".json");
    Files.writeString(notJson, "{not json");
    assertThatThrownBy(() -> run("loras", "add", notJson.toString())).isInstanceOf(CliArgs.CliException.class);
    assertThatThrownBy(() -> run("loras", "add", "/no/such/file.json")).isInstanceOf(CliArgs.CliException.class);
    assertThatThrownBy(() -> run("loras", "remove", "no-such")).isInstanceOf(CliArgs.CliException.class);
    assertThatThrownBy(() -> run("loras", "frobnicate")).isInstanceOf(CliArgs.CliException.class);
    assertThat(new LoraStore(node.node().pool()).listAll().await()).hasSize(before);
  }

  @Test
  void theJarsMainRunsTheLoraCommands() throws Exception {
    java.util.Map<String, String> env = java.util.Map.of("AUROUS_DATABASE_URL", node.databaseUrl(),
        "AUROUS_DATA_DIR", Files.createTempDirectory("aurous-cli").toString());
    com.aurous.server.testing.Subprocess.Result listed =
        com.aurous.server.testing.Subprocess.run(com.aurous.server.Main.class, env, "loras", "list");
    assertThat(listed.exitCode()).as(listed.output()).isZero();
    assertThat(listed.output()).contains("neon-pastel").contains("[neon@0.6,pastel@0.6]");
    com.aurous.server.testing.Subprocess.Result bad =
        com.aurous.server.testing.Subprocess.run(com.aurous.server.Main.class, env, "loras", "add",
            file(new JsonObject().put("slug", "x9").put("name", "x").put("steps", 500)));
    assertThat(bad.exitCode()).as(bad.output()).isEqualTo(2);
    assertThat(bad.output()).contains("error:").contains("steps").doesNotContain("Exception");
  }
}
