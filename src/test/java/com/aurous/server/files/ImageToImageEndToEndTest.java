package com.aurous.server.files;

import com.aurous.server.model.scenes.SceneGenerator;
import com.aurous.server.model.scenes.SceneRasterizer;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Multipart;
import com.aurous.server.testing.PictureServer;
import com.aurous.server.testing.Pictures;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole image-to-image path on a node with the engine and the node's own FileReferenceSource:
 * upload a reference over HTTP, create with it, read the output PNG. Needs the engine side
 * (references encoded and noised to denoise_strength) and AurousNode passing its
 * {@code references} to the workers: it passes once both are merged.
 */
class ImageToImageEndToEndTest {
  static final int SIZE = 1024;
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;
  static PictureServer pictures;

  @BeforeAll
  static void start() {
    pictures = new PictureServer();
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 4).put("max_running_per_worker", 4),
        new JsonObject().put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("characters", new JsonObject().put("poll_interval_ms", 200)));
    team = node.newTeam(100_000);
    api = node.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    pictures.close();
  }

  /** A 4:3 training-style scene as a PNG: fitting it to a square output crops its sides. */
  static BufferedImage scene(long seed) {
    int w = 1536;
    int h = 1152;
    byte[] rgb = SceneRasterizer.render(SceneGenerator.scene(seed), w, h);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 3;
        img.setRGB(x, y, ((rgb[o] & 0xff) << 16) | ((rgb[o + 1] & 0xff) << 8) | (rgb[o + 2] & 0xff));
      }
    }
    return img;
  }

  /** Center-crop to the output's aspect, then resize to the output size. */
  static BufferedImage fitted(BufferedImage ref, int w, int h) {
    double scale = Math.max((double) w / ref.getWidth(), (double) h / ref.getHeight());
    int cw = (int) Math.round(w / scale);
    int ch = (int) Math.round(h / scale);
    BufferedImage crop = ref.getSubimage((ref.getWidth() - cw) / 2, (ref.getHeight() - ch) / 2, cw, ch);
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(crop, 0, 0, w, h, null);
    g.dispose();
    return out;
  }

  static double psnr(BufferedImage a, BufferedImage b) {
    assertThat(a.getWidth()).isEqualTo(b.getWidth());
    assertThat(a.getHeight()).isEqualTo(b.getHeight());
    double se = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          double d = ((p >> shift) & 0xff) - ((q >> shift) & 0xff);
          se += d * d;
        }
      }
    }
    double mse = se / (a.getWidth() * (double) a.getHeight() * 3);
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }

  static JsonObject terminal(String id) {
    return Polling.until(() -> api.get("/v1/images/" + id).json(),
        g -> g.getString("status").equals("succeeded") || g.getString("status").equals("failed"), Duration.ofSeconds(300), id);
  }

  static BufferedImage output(JsonObject g) {
    assertThat(g.getString("status")).as(g.encode()).isEqualTo("succeeded");
    ApiClient.Response r = new ApiClient("", null).get(g.getJsonArray("output_urls").getString(0));
    assertThat(r.status()).isEqualTo(200);
    return Pictures.read(r.bytes());
  }

  static String create(JsonObject body) {
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static JsonObject withReference(String ref, double strength) {
    return new JsonObject().put("prompt", "a red circle on a blue background").put("width", SIZE).put("height", SIZE)
        .put("seed", 7).put("steps", 11).put("denoise_strength", strength).put("reference_image_urls", new JsonArray().add(ref));
  }

  @Test
  void anUploadedReferenceAtLowStrengthIsKeptAndAtFullStrengthIsNot() {
    BufferedImage reference = scene(5);
    ApiClient.Response up = Multipart.upload(node.baseUrl(), team.key(), "image/png", Pictures.encode(reference, "png"));
    assertThat(up.status()).as(up.body()).isEqualTo(201);
    String file = up.json().getString("id");
    String low = create(withReference(file, 0.1));
    String full = create(withReference(file, 1.0));
    BufferedImage expected = fitted(reference, SIZE, SIZE);
    double lowPsnr = psnr(output(terminal(low)), expected);
    double fullPsnr = psnr(output(terminal(full)), expected);
    System.out.printf("image-to-image PSNR against the fitted reference: %.2f dB at 0.1, %.2f dB at 1.0%n", lowPsnr, fullPsnr);
    assertThat(lowPsnr).as("PSNR at denoise_strength 0.1").isGreaterThanOrEqualTo(20.0);
    assertThat(fullPsnr).as("PSNR at denoise_strength 1.0 (0.1 gave %.1f dB)", lowPsnr).isLessThan(20.0);
  }

  @Test
  void aUrlReferenceIsFetchedAndAFailedFetchFailsTheGenerationAndReleasesItsCredits() {
    String url = pictures.serve("/scene.png", "application/octet-stream", Pictures.encode(scene(9), "png"));
    JsonObject ok = terminal(create(withReference(url, 0.3)));
    assertThat(ok.getString("status")).as(ok.encode()).isEqualTo("succeeded");
    // The fetched picture became a 24 h file of the team.
    assertThat(api.get("/v1/files").json().getJsonArray("data").stream()
        .anyMatch(o -> ((JsonObject) o).getString("mime_type").equals("image/png"))).isTrue();

    long before = node.teams().balance(team.team().id()).await();
    String missing = pictures.url("/gone.png");
    JsonObject failed = terminal(create(withReference(missing, 0.5)));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error_message")).contains(missing).contains("HTTP 404");
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(before);
  }

  @Test
  void aGenerationWithACharacterRunsFromItsFiles() {
    ApiClient.Response up = Multipart.upload(node.baseUrl(), team.key(), "image/png", Pictures.encode(scene(12), "png"));
    ApiClient.Response ch = api.post("/v1/characters", new JsonObject().put("name", "scene twelve")
        .put("reference_image_urls", new JsonArray().add(up.json().getString("id"))));
    String id = ch.json().getString("id");
    Polling.until(() -> api.get("/v1/characters/" + id).json().getString("status"), "ready"::equals, Duration.ofSeconds(60), id);
    JsonObject g = terminal(create(new JsonObject().put("prompt", "a red circle").put("width", SIZE).put("height", SIZE)
        .put("steps", 6).put("character_id", id)));
    assertThat(g.getString("status")).as(g.encode()).isEqualTo("succeeded");
    assertThat(g.getString("inference_type")).isEqualTo("i2i");
  }
}
