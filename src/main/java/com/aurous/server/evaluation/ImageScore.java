package com.aurous.server.evaluation;

import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneObject;
import java.util.List;

/**
 * How one image did against the scene it was asked for. Each expected object is matched to at
 * most one detected object by position (the assignment with the least total distance between
 * the asked anchor and the found centroid, an object left unmatched when nothing is within
 * {@link SceneEvaluator#MATCH_RADIUS}); its colour, shape and position are then compared.
 */
public record ImageScore(Scene scene, SceneReading reading, boolean backgroundRight,
    boolean gradientRight, boolean countRight, List<ObjectVerdict> objects) {

  /** An expected object, what it was matched to (null: nothing), and which parts are right. */
  public record ObjectVerdict(SceneObject expected, DetectedObject found, boolean colorRight,
      boolean shapeRight, boolean positionRight) {

    public boolean allRight() {
      return colorRight && shapeRight && positionRight;
    }
  }

  public ImageScore {
    objects = List.copyOf(objects);
  }

  public int colorsRight() {
    return (int) objects.stream().filter(ObjectVerdict::colorRight).count();
  }

  public int shapesRight() {
    return (int) objects.stream().filter(ObjectVerdict::shapeRight).count();
  }

  public int positionsRight() {
    return (int) objects.stream().filter(ObjectVerdict::positionRight).count();
  }

  /** Background colour, count and every object's colour, shape and position. */
  public boolean allRight() {
    return backgroundRight && countRight && objects.stream().allMatch(ObjectVerdict::allRight);
  }
}
