package com.aurous.server.model.lora;

import java.util.List;

import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PackedAdapters;
import com.aurous.server.model.PromptTokenizer;

/** One picture through the engine's sampling path with a LoRA mix on both guidance branches. */
public final class LoraPictures {
  private LoraPictures() {}

  public static byte[] generate(DiffusionModel model, AdapterLibrary lib, List<AdapterLibrary.Weighted> mix, String prompt,
      long seed, int width, int height) {
    ModelManifest m = model.manifest();
    PromptTokenizer tokenizer = PromptTokenizer.of(m);
    Sampler sampler = Samplers.create(Samplers.DEFAULT, new NoiseSchedule(m.numTrainTimesteps(),
        m.betaStart(), m.betaEnd(), m.betaSchedule()), m.defaults().steps());
    float guidance = (float) m.defaults().guidanceScale();
    float phi = (float) m.defaults().cfgRescale();
    int h = height / m.latentDownscale();
    int w = width / m.latentDownscale();
    int n = h * w * m.latentChannels();
    float[] context = model.encodePrompt(tokenizer.encodeBatch(prompt, ""), 2);
    float[] latents = new float[n];
    InitialNoise.gaussian(seed, latents, 0, n);
    for (int k = 0; k < n; k++) {
      latents[k] *= sampler.initNoiseSigma();
    }
    PackedAdapters packed = mix.isEmpty() ? PackedAdapters.none(2) : lib.pack(List.of(mix), new int[] {1, 1});
    float[] x = new float[2 * n];
    for (int step = 0; step < sampler.steps(); step++) {
      sampler.scaleModelInput(latents, 0, n, step, x, 0);
      System.arraycopy(x, 0, x, n, n);
      float t = sampler.timestep(step);
      float[] eps = model.denoise(x, 2, h, w, new float[] {t, t}, context, packed);
      ClassifierFreeGuidance.combine(eps, 0, eps, n, n, guidance, phi, eps, 0);
      sampler.step(latents, 0, n, eps, 0, step);
    }
    return model.decode(latents, 1, h, w);
  }
}
