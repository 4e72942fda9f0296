package com.aurous.server.model.scenes;

import java.util.List;

/**
 * A synthetic scene: what to draw and the caption that asks for it. {@code seed} is the scene
 * seed it was made from ({@link SceneGenerator#scene(long)} gives it back exactly).
 */
public record Scene(long seed, Background background, List<SceneObject> objects, String caption) {

  public Scene {
    objects = List.copyOf(objects);
    if (background == null || objects.isEmpty() || caption == null) {
      throw new IllegalArgumentException("a scene needs a background, objects and a caption");
    }
  }
}
