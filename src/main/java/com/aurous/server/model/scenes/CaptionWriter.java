package com.aurous.server.model.scenes;

import java.util.ArrayList;
import java.util.List;

/**
 * Plain-English captions with seeded variation in wording (synonyms, spoken or unspoken medium
 * size, three sentence frames). Every caption names each object's colour, shape and position and
 * the background colour (and "gradient" when it is one). The longest caption is 29 word-hash
 * pieces, so it fits a 32-token context with BOS and EOS.
 */
final class CaptionWriter {

  private static final String[] COUNTS = {"one", "two", "three"};

  private CaptionWriter() {}

  static String write(SceneRandom rnd, Background bg, List<SceneObject> objects, boolean alike) {
    String objs = alike ? group(rnd, objects) : list(rnd, objects);
    String bgColor = synonym(rnd, bg.color().words());
    String bgPhrase = bgColor + (bg.gradient() ? " gradient background" : " background");
    double frame = rnd.nextDouble();
    if (frame < 0.25) {
      return article(bgPhrase) + " " + bgPhrase + " with " + objs;
    }
    String sep = objects.size() > 1 ? ", " : " ";
    String prep = frame < 0.85 ? "on " : "against ";
    return objs + sep + prep + article(bgPhrase) + " " + bgPhrase;
  }

  private static String list(SceneRandom rnd, List<SceneObject> objects) {
    List<String> parts = new ArrayList<>();
    for (SceneObject o : objects) {
      String noun = adjectives(rnd, o) + synonym(rnd, o.shape().words());
      parts.add(article(noun) + " " + noun + " " + rnd.pick(o.anchor().phrases()));
    }
    return join(parts);
  }

  /** "two big pink rings on the left and on the right". */
  private static String group(SceneRandom rnd, List<SceneObject> objects) {
    SceneObject o = objects.get(0);
    String noun = adjectives(rnd, o) + SceneShape.plural(synonym(rnd, o.shape().words()));
    List<String> places = new ArrayList<>();
    for (SceneObject each : objects) {
      places.add(rnd.pick(each.anchor().phrases()));
    }
    return COUNTS[objects.size() - 1] + " " + noun + " " + join(places);
  }

  private static String adjectives(SceneRandom rnd, SceneObject o) {
    String size;
    if (o.size() == SceneSize.MEDIUM) {
      size = rnd.chance(0.3) ? "medium " : "";
    } else {
      size = rnd.pick(o.size().words()) + " ";
    }
    return size + synonym(rnd, o.color().words()) + " ";
  }

  /** The canonical word, or 30% of the time one of its synonyms. */
  private static String synonym(SceneRandom rnd, List<String> words) {
    return words.size() > 1 && rnd.chance(0.3) ? words.get(1 + rnd.nextInt(words.size() - 1))
        : words.get(0);
  }

  private static String join(List<String> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
  }

  private static String article(String phrase) {
    return "aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an" : "a";
  }
}
