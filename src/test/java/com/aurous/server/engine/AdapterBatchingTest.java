package com.aurous.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.engine.ClaimedGeneration.AdapterUse;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.tiny.AurousTinyExporter;

/**
 * The step loop on the built-in model with LoRA adapters: generations with different adapters,
 * a bundle and none share one denoising call and each gets the pixels it gets alone; a model
 * without adapter inputs (or with the one-adapter-per-call form) still serves.
 */
class AdapterBatchingTest {

  @TempDir
  static Path tmp;
  static Path perSample;

  static final List<List<AdapterUse>> MIXES = List.of(
      List.of(),
      List.of(new AdapterUse("neon", 1.0)),
      List.of(new AdapterUse("pastel", 1.0)),
      List.of(new AdapterUse("monochrome", 0.8)),
      List.of(new AdapterUse("pastel", 0.6), new AdapterUse("neon", 0.5)));

  @BeforeAll
  static void export() throws Exception {
    perSample = tmp.resolve("per-sample");
    AurousTinyExporter.export(perSample);
  }

  record Outcome(Map<String, byte[]> images, Map<String, String> failures) {}

  /** Runs the generations through one StepLoop (all submitted before it starts: one batch). */
  static Outcome run(Path dir, List<ClaimedGeneration> gens) throws Exception {
    LinkedBlockingQueue<Object> done = new LinkedBlockingQueue<>();
    Map<String, byte[]> images = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", 2)) {
      StepLoop loop = new StepLoop(model, "ddim", 16, 0, new StepLoop.Listener() {
        @Override
        public void started(List<String> ids) {}

        @Override
        public void finished(ClaimedGeneration g, List<byte[]> rgb) {
          done.add(Map.entry(g.id(), rgb.get(0)));
        }

        @Override
        public void failed(List<String> ids, String message) {
          ids.forEach(id -> done.add(List.of(id, message)));
        }
      }, new EngineMetrics());
      gens.forEach(loop::submit);
      Thread t = new Thread(loop, "adapter-test-loop");
      t.start();
      try {
        for (int i = 0; i < gens.size(); i++) {
          Object o = done.poll(120, TimeUnit.SECONDS);
          assertThat(o).as("generation %d of %d finished", i + 1, gens.size()).isNotNull();
          if (o instanceof Map.Entry<?, ?> e) {
            images.put((String) e.getKey(), (byte[]) e.getValue());
          } else {
            List<?> f = (List<?>) o;
            failures.put((String) f.get(0), (String) f.get(1));
          }
        }
      } finally {
        loop.stop();
        t.join(10_000);
      }
    }
    return new Outcome(images, failures);
  }

  static ClaimedGeneration gen(String id, long seed, List<AdapterUse> adapters) {
    return new ClaimedGeneration(id, "team", "a red circle at the left and a yellow star at the right, on a blue background",
        null, 256, 256, 6, 4.3, 0.7, seed, 1, System.currentTimeMillis(), null, null, adapters);
  }

  static List<ClaimedGeneration> mixed() {
    List<ClaimedGeneration> gens = new ArrayList<>();
    for (int i = 0; i < MIXES.size(); i++) {
      gens.add(gen("g" + i, 42, MIXES.get(i)));
    }
    return gens;
  }

  static int maxDiff(byte[] a, byte[] b) {
    int m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
    }
    return m;
  }

  @Test
  void differentAdaptersInOneCallGiveEachSampleThePixelsItGetsAlone() throws Exception {
    Outcome together = run(perSample, mixed());
    assertThat(together.failures()).isEmpty();
    for (int i = 0; i < MIXES.size(); i++) {
      Outcome alone = run(perSample, List.of(gen("g" + i, 42, MIXES.get(i))));
      assertThat(maxDiff(alone.images().get("g" + i), together.images().get("g" + i)))
          .as("mix %s alone vs batched", MIXES.get(i)).isLessThanOrEqualTo(1);
    }
    // and the adapters did something: every mix differs from the base picture
    for (int i = 1; i < MIXES.size(); i++) {
      assertThat(maxDiff(together.images().get("g0"), together.images().get("g" + i)))
          .as("mix %s vs base", MIXES.get(i)).isGreaterThan(40);
    }
  }

  @Test
  void aModelWithoutAdapterInputsServesTheBaseAndFailsAdapterRequestsClearly() throws Exception {
    Path dir = tmp.resolve("no-adapters");
    AurousTinyExporter.export(dir, AurousTinyExporter.builtInWeights(), AurousTinyExporter.AdapterInputs.NONE);
    Outcome o = run(dir, List.of(gen("base", 42, List.of()), gen("styled", 42, MIXES.get(1))));
    Outcome ref = run(perSample, List.of(gen("base", 42, List.of())));
    assertThat(maxDiff(o.images().get("base"), ref.images().get("base"))).isLessThanOrEqualTo(1);
    assertThat(o.failures().get("styled")).contains("takes no LoRA adapters");
  }

  @Test
  void aOneAdapterPerCallModelGroupsByAdapterAndGivesTheSamePixels() throws Exception {
    Path dir = tmp.resolve("per-call");
    AurousTinyExporter.export(dir, AurousTinyExporter.builtInWeights(), AurousTinyExporter.AdapterInputs.PER_CALL);
    AurousTinyExporter.copyBuiltInLoras(dir);
    Outcome perCall = run(dir, mixed());
    Outcome ref = run(perSample, mixed());
    for (String id : ref.images().keySet()) {
      assertThat(maxDiff(perCall.images().get(id), ref.images().get(id))).as(id).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void anUnknownAdapterFailsOnlyItsGeneration() throws Exception {
    Outcome o = run(perSample, List.of(gen("ok", 7, MIXES.get(1)), gen("bad", 7, List.of(new AdapterUse("sepia", 1)))));
    assertThat(o.images()).containsKey("ok");
    assertThat(o.failures().get("bad")).contains("no LoRA adapter 'sepia'");
  }

  @Test
  void anOldProvisionedCopyIsExportedAgainWithTheAdapters() throws Exception {
    Path data = tmp.resolve("data");
    Path dir = ModelProvisioner.resolve("", data);
    assertThat(dir.resolve("loras/neon.weights")).isRegularFile();
    // A copy from an older jar: no adapters, no fingerprint.
    Files.walk(dir.resolve("loras")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    Files.delete(dir.resolve(ModelProvisioner.FINGERPRINT_FILE));
    Path again = ModelProvisioner.resolve("", data);
    assertThat(again).isEqualTo(dir);
    assertThat(again.resolve("loras/neon.weights")).isRegularFile();
    assertThat(again.resolve("loras/pastel.weights")).isRegularFile();
    try (var siblings = Files.list(data.resolve("models"))) {
      assertThat(siblings.map(p -> p.getFileName().toString()).toList()).containsExactly("aurous-tiny");
    }
  }
}
