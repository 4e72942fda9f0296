package com.aurous.server.model.train;

/**
 * Training scenes that also give crops, which the autoencoder and decoder stages learn from; a
 * source for the denoiser alone (a LoRA's re-coloured scenes) needs only {@link TrainingScenes}.
 */
interface CroppedScenes extends TrainingScenes {

  /** A crop x crop window of a scene rendered on a canvas of the size it would have at 1024-scale. */
  void crop(long index, int crop, float[] dst, int offset);
}
