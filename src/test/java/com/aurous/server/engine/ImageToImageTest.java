package com.aurous.server.engine;

import com.aurous.server.engine.ReferenceSource.ReferencePicture;
import com.aurous.server.model.scenes.SceneGenerator;
import com.aurous.server.model.scenes.SceneRasterizer;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.SseClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Image-to-image through the real engine (built-in aurous-tiny) and the HTTP API. The references
 * come from a source that renders training-style scenes: {@code https://example.com/scene/N.png}
 * is scene N drawn at 1536x1152 (4:3, so fitting a square output crops it), and any URL with
 * {@code missing} in it fails as a fetch would.
 */
class ImageToImageTest {
  static final int SIZE = 1024;
  static final int REF_W = 1536;
  static final int REF_H = 1152;
  static final String MISSING_MESSAGE = "reference_image_urls[1] could not be fetched: the host answered 404";

  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;

  static final ReferenceSource SCENES = (teamId, refs) -> {
    List<ReferencePicture> out = new ArrayList<>();
    for (String ref : refs) {
      if (ref.contains("missing")) {
        return Future.failedFuture(new ReferenceSource.ReferenceException(MISSING_MESSAGE));
      }
      out.add(scenePicture(ref));
    }
    return Future.succeededFuture(out);
  };

  static ReferencePicture scenePicture(String ref) {
    long seed = Long.parseLong(ref.replaceAll("^.*/scene/(\\d+)\\.png$", "$1"));
    return new ReferencePicture(REF_W, REF_H, SceneRasterizer.render(SceneGenerator.scene(seed), REF_W, REF_H));
  }

  static String scene(int n) {
    return "https://example.com/scene/" + n + ".png";
  }

  @BeforeAll
  static void start() {
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 8).put("max_running_per_worker", 8)
        .put("batch_timeout_ms", 0), new JsonObject(), SCENES);
    team = node.newTeam(100_000);
    api = node.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject body(String prompt, long seed, int steps) {
    return new JsonObject().put("prompt", prompt).put("width", SIZE).put("height", SIZE).put("seed", seed)
        .put("steps", steps);
  }

  static JsonObject imageToImage(String prompt, long seed, int steps, double strength, String... refs) {
    return body(prompt, seed, steps).put("denoise_strength", strength).put("reference_image_urls", new JsonArray(List.of(refs)));
  }

  static String create(JsonObject body) {
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static JsonObject await(String id, String... statuses) {
    return Polling.until(() -> api.get("/v1/images/" + id).json(),
        g -> List.of(statuses).contains(g.getString("status")), Duration.ofSeconds(180), id + " to reach " + List.of(statuses));
  }

  static JsonObject succeeded(String id) {
    JsonObject g = await(id, "succeeded", "failed");
    assertThat(g.getString("status")).as(g.encode()).isEqualTo("succeeded");
    return g;
  }

  static byte[] pixels(JsonObject generation, int index) throws Exception {
    ApiClient.Response r = new ApiClient("", null).get(generation.getJsonArray("output_urls").getString(index));
    assertThat(r.status()).isEqualTo(200);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(r.bytes()));
    assertThat(image.getWidth()).isEqualTo(SIZE);
    assertThat(image.getHeight()).isEqualTo(SIZE);
    byte[] rgb = new byte[SIZE * SIZE * 3];
    int at = 0;
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        int p = image.getRGB(x, y);
        rgb[at++] = (byte) (p >> 16);
        rgb[at++] = (byte) (p >> 8);
        rgb[at++] = (byte) p;
      }
    }
    return rgb;
  }

  /** The reference as the engine sees it: fitted (center-cropped, resized) to the output size. */
  static byte[] fittedReference(int n) {
    return ReferenceFit.fit(scenePicture(scene(n)), SIZE, SIZE);
  }

  static int maxDifference(byte[] a, byte[] b) {
    assertThat(a.length).isEqualTo(b.length);
    int max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((a[i] & 0xff) - (b[i] & 0xff)));
    }
    return max;
  }

  static double psnr(byte[] a, byte[] b) {
    assertThat(a).hasSameSizeAs(b);
    double se = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (a[i] & 0xff) - (b[i] & 0xff);
      se += d * d;
    }
    double mse = se / a.length;
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }

  @Test
  void atLowStrengthTheOutputKeepsTheReferenceAndAtFullStrengthItIsTextToImage() throws Exception {
    String prompt = "a red circle on a blue background";
    String low = create(imageToImage(prompt, 11, 11, 0.1, scene(3)));
    String full = create(imageToImage(prompt, 11, 11, 1.0, scene(3)));
    String text = create(body(prompt, 11, 11));
    byte[] reference = fittedReference(3);
    JsonObject lowDone = succeeded(low);
    assertThat(lowDone.getString("inference_type")).isEqualTo("i2i");
    double lowPsnr = psnr(pixels(lowDone, 0), reference);
    double fullPsnr = psnr(pixels(succeeded(full), 0), reference);
    System.out.printf(java.util.Locale.ROOT, "PSNR vs the fitted reference: %.2f dB at 0.1, %.2f dB at 1.0%n", lowPsnr, fullPsnr);
    assertThat(lowPsnr).as("PSNR at denoise_strength 0.1").isGreaterThanOrEqualTo(20.0);
    assertThat(fullPsnr).as("PSNR at denoise_strength 1.0 (0.1 gave %.1f dB)", lowPsnr).isLessThan(lowPsnr - 5);
    // 1 ignores the reference: the same seed gives text-to-image's pixels (to the engine's batch
    // invariance, one level: they may have shared a model call of another batch size).
    assertThat(maxDifference(pixels(succeeded(full), 0), pixels(succeeded(text), 0))).isLessThanOrEqualTo(1);
  }

  @Test
  void modelEvalsFromRenderPathDrawsWhatTheServersImageToImageReturns() throws Exception {
    // model eval --from-render judges the pictures an image-to-image request would get: same
    // reference, prompt, seed, steps and strength, same pixels (to one level, as batching allows).
    String prompt = "a small green triangle at the top on a white background";
    byte[] served = pixels(succeeded(create(imageToImage(prompt, 31, 6, 0.5, scene(8)))), 0);
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("aurous-from-render-");
    try {
      com.aurous.server.model.tiny.AurousTinyExporter.export(dir.resolve("aurous-tiny"));
      try (com.aurous.server.model.DiffusionModel model =
          com.aurous.server.model.DiffusionModel.load(dir.resolve("aurous-tiny"), "CPU:0", 2)) {
        var d = model.manifest().defaults();
        byte[] drawn = new com.aurous.server.evaluation.GuidedSampler(model, "ddim", 6).generate(List.of(prompt),
            new long[] {31}, SIZE, SIZE, d.guidanceScale(), d.cfgRescale(), List.of(fittedReference(8)), 0.5).get(0);
        assertThat(maxDifference(served, drawn)).isLessThanOrEqualTo(1);
        byte[] fromNoise = new com.aurous.server.evaluation.GuidedSampler(model, "ddim", 6).generate(List.of(prompt),
            new long[] {31}, SIZE, SIZE, d.guidanceScale(), d.cfgRescale()).get(0);
        assertThat(maxDifference(fromNoise, drawn)).as("text-to-image differs").isGreaterThan(10);
      }
    } finally {
      try (var paths = java.nio.file.Files.walk(dir)) {
        for (java.nio.file.Path f : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.deleteIfExists(f);
        }
      }
    }
  }

  @Test
  void atStrengthZeroEveryImageIsTheReferencesReconstruction() throws Exception {
    JsonObject done = succeeded(create(imageToImage("anything at all", 5, 11, 0.0, scene(8)).put("count", 2)));
    byte[] first = pixels(done, 0);
    assertThat(pixels(done, 1)).isEqualTo(first);
    double reconstruction = psnr(first, fittedReference(8));
    System.out.printf(java.util.Locale.ROOT, "PSNR of the reconstruction at 0: %.2f dB%n", reconstruction);
    assertThat(reconstruction).isGreaterThanOrEqualTo(20.0);
    // Another seed changes nothing: no step runs, so no noise is drawn into it.
    JsonObject other = succeeded(create(imageToImage("something else", 6, 11, 0.0, scene(8))));
    assertThat(maxDifference(pixels(other, 0), first)).isLessThanOrEqualTo(1);
  }

  @Test
  void theSameSeedAndReferenceGiveTheSamePixelsAloneAndInAMixedBatch() throws Exception {
    JsonObject request = imageToImage("a yellow square", 21, 20, 0.5, scene(4));
    byte[] alone = pixels(succeeded(create(request)), 0);

    EngineMetrics metrics = node.node().engineMetrics().get(0);
    metrics.reset();
    // A long text-to-image run is in flight; two image-to-image generations (one of two references)
    // and another text-to-image join it at step boundaries, each starting at its own step.
    String running = create(body("a long text-only run", 99, 80));
    await(running, "processing");
    String again = create(request);
    String blended = create(imageToImage("two references", 22, 20, 0.7, scene(5), scene(6)));
    String shortText = create(body("a short text-only run", 98, 12));
    byte[] batched = pixels(succeeded(again), 0);
    succeeded(blended);
    succeeded(shortText);
    succeeded(running);
    assertThat(metrics.batchSize().getMaxValue()).as("samples shared a model call").isGreaterThanOrEqualTo(3);
    // As text-to-image's guarantee (GenerationLifecycleTest): TensorFlow's kernels may round a float
    // differently at another batch size, so equal means within one level of 255.
    assertThat(maxDifference(batched, alone)).isLessThanOrEqualTo(1);
    assertThat(maxDifference(pixels(succeeded(blended), 0), alone)).as("another reference and seed differ").isGreaterThan(1);
  }

  @Test
  void progressCountsTheStepsActuallyRun() throws Exception {
    String id = create(imageToImage("a green triangle", 31, 20, 0.5, scene(9)));
    List<JsonObject> progress = new ArrayList<>();
    try (SseClient s = SseClient.open(node.node().port(), "/v1/images/" + id + "/events", 60_000, "X-Api-Key", team.key())) {
      assertThat(s.status()).isEqualTo(200);
      for (SseClient.Event e = s.next(); e != null && !"done".equals(e.event()); e = s.next()) {
        if ("progress".equals(e.event())) {
          progress.add(e.json());
        }
      }
    }
    assertThat(progress).isNotEmpty();
    assertThat(progress).allSatisfy(p -> assertThat(p.getInteger("steps")).isEqualTo(10));
    assertThat(progress.get(progress.size() - 1).getInteger("step")).isEqualTo(10);
  }

  @Test
  void aReferenceThatCannotBeHadFailsTheGenerationWithItsMessageAndReleasesItsCredits() throws Exception {
    TestNode.TeamKey payer = node.newTeam(1_000);
    ApiClient payerApi = node.client(payer.key());
    ApiClient.Response r = payerApi.post("/v1/images",
        imageToImage("a broken reference", 1, 11, 0.5, scene(2), "https://example.com/missing.png"));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    String id = r.json().getString("id");
    assertThat(node.teams().balance(payer.team().id()).await()).isLessThan(1_000L);
    JsonObject failed = Polling.until(() -> payerApi.get("/v1/images/" + id).json(),
        g -> "failed".equals(g.getString("status")) || "succeeded".equals(g.getString("status")), Duration.ofSeconds(60), id);
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error_message")).isEqualTo(MISSING_MESSAGE);
    assertThat(node.teams().balance(payer.team().id()).await()).isEqualTo(1_000L);
    assertThat(node.teams().ledgerSum(payer.team().id()).await()).isEqualTo(1_000L);
    // The worker is not stuck on it: the team's next generation runs.
    ApiClient.Response next = payerApi.post("/v1/images", imageToImage("a good one", 2, 11, 0.5, scene(2)));
    assertThat(next.status()).as(next.body()).isEqualTo(201);
    JsonObject ok = Polling.until(() -> payerApi.get("/v1/images/" + next.json().getString("id")).json(),
        g -> "succeeded".equals(g.getString("status")) || "failed".equals(g.getString("status")), Duration.ofSeconds(120), "next");
    assertThat(ok.getString("status")).isEqualTo("succeeded");
  }
}
