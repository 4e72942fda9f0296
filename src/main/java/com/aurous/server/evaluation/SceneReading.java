package com.aurous.server.evaluation;

import com.aurous.server.model.scenes.SceneColor;
import java.util.List;

/** What the evaluator read from an image: the background and the objects, largest first. */
public record SceneReading(SceneColor background, boolean gradient, List<DetectedObject> objects) {

  public SceneReading {
    objects = List.copyOf(objects);
  }
}
