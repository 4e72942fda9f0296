package com.aurous.server.engine.sampling;

/**
 * A deterministic reverse-diffusion solver for a model that predicts epsilon (the added noise).
 *
 * <p>Samples in one model batch may be at different steps, so every method works on one sample's
 * slice {@code [offset, offset + length)} of a flat NHWC batch array and takes that sample's own
 * step index. Implementations are immutable and precompute their per-step coefficients, so one
 * instance can be shared by every worker thread.
 *
 * <p>Per step {@code i} in {@code [0, steps())} the worker does:
 * <pre>
 *   scaleModelInput(latents, i -> in);  eps = model(in, timestep(i));  step(latents, eps, i)
 * </pre>
 * starting from latents = N(0, 1) noise * {@link #initNoiseSigma()}. After the last step the
 * latents are the clean sample, ready for the VAE decoder.
 */
public interface Sampler {

    /** Short name as accepted by {@link Samplers#create}. */
    String name();

    int steps();

    /** The timestep fed to the model at this step; strictly decreasing with the step index. */
    float timestep(int stepIndex);

    /** Standard deviation of the initial latents; the caller multiplies unit Gaussian noise by it. */
    float initNoiseSigma();

    /**
     * Writes the model input for this step into {@code out}. {@code out} may be {@code latents}
     * at the same offset.
     */
    void scaleModelInput(float[] latents, int offset, int length, int stepIndex, float[] out, int outOffset);

    /** Advances one sample's latents in place from {@code stepIndex} to the next step. */
    void step(float[] latents, int offset, int length, float[] noisePred, int predOffset, int stepIndex);

    /**
     * The latents this sampler holds just before step {@code stepIndex} for the clean sample
     * {@code clean} forwarded with the unit Gaussian {@code noise} to that step's noise level: how
     * image-to-image starts part-way through the schedule (diffusers' {@code add_noise}). All three
     * arrays have the same length; {@code out} may be {@code noise}.
     */
    void noiseTo(float[] clean, float[] noise, int stepIndex, float[] out);
}
