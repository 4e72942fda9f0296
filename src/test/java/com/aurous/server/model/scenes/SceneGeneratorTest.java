package com.aurous.server.model.scenes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aurous.server.model.PromptTokenizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SceneGeneratorTest {

  private static final int SCENES = 3000;

  @Test
  void theSameSeedGivesTheSameScenesAndCaptions() {
    SceneGenerator a = new SceneGenerator(42);
    SceneGenerator b = new SceneGenerator(42);
    for (int i = 0; i < 50; i++) {
      Scene s = a.next();
      assertThat(b.next()).isEqualTo(s);
      assertThat(SceneGenerator.scene(42 + i)).isEqualTo(s);
      assertThat(s.seed()).isEqualTo(42 + i);
    }
    assertThat(SceneGenerator.scene(7).caption()).isNotEqualTo(SceneGenerator.scene(8).caption());
  }

  @Test
  void aTrainingGeneratorRefusesToReachTheHeldOutSeeds() {
    SceneGenerator g = new SceneGenerator(SceneGenerator.HELD_OUT_FIRST_SEED - 2);
    g.next();
    g.next();
    assertThatThrownBy(g::next).isInstanceOf(IllegalStateException.class);
    assertThat(new SceneGenerator(SceneGenerator.HELD_OUT_FIRST_SEED).next().seed())
        .isEqualTo(SceneGenerator.HELD_OUT_FIRST_SEED);
  }

  @Test
  void heldOutCasesAreCaptionsOfHeldOutScenesWithConsecutiveNoiseSeeds() {
    List<HeldOutScenes.Case> cases = HeldOutScenes.cases(5, 100);
    assertThat(cases).hasSize(5);
    for (int i = 0; i < 5; i++) {
      HeldOutScenes.Case c = cases.get(i);
      assertThat(SceneGenerator.isHeldOut(c.scene().seed())).isTrue();
      assertThat(c.seed()).isEqualTo(100 + i);
      assertThat(c.caption()).isEqualTo(c.scene().caption());
    }
    assertThat(HeldOutScenes.cases(5, 0).get(3).scene()).isEqualTo(cases.get(3).scene());
  }

  @Test
  void captionsNameEveryObjectsColourShapeAndPositionAndTheBackground() {
    for (long seed = 0; seed < SCENES; seed++) {
      Scene s = SceneGenerator.scene(seed);
      String caption = s.caption();
      Background bg = s.background();
      assertThat(caption)
          .as("seed %d", seed)
          .containsPattern(anyOf(bg.color().words()) + (bg.gradient() ? " gradient" : "")
              + " background");
      assertThat(caption.contains("gradient")).isEqualTo(bg.gradient());
      List<String> said = new ArrayList<>();
      for (SceneObject o : s.objects()) {
        // "[size] colour shape[s]" then the object's position phrase (or a list of them).
        Pattern noun = Pattern.compile(anyOf(o.color().words()) + " " + anyOf(o.shape().words())
            + "(s|es)? ");
        assertThat(noun.matcher(caption).find()).as("seed %d: %s / %s", seed, caption, o).isTrue();
        boolean placed = false;
        for (String phrase : o.anchor().phrases()) {
          placed |= caption.contains(phrase);
        }
        assertThat(placed).as("seed %d: %s / %s", seed, caption, o.anchor()).isTrue();
        if (o.size() != SceneSize.MEDIUM) {
          assertThat(caption).containsPattern(anyOf(o.size().words()) + " ");
        }
      }
      Matcher m = Pattern.compile("(on|at|near|in) the (left|right|top|bottom|center|middle)")
          .matcher(caption);
      while (m.find()) {
        said.add(m.group());
      }
      assertThat(said).as(caption).hasSize(s.objects().size());
    }
  }

  @Test
  void everyCaptionFitsTheTinyModelsThirtyTwoTokenContext() {
    PromptTokenizer tok = new PromptTokenizer(4096, 64);
    int longest = 0;
    for (long seed = 0; seed < SCENES; seed++) {
      int[] ids = tok.encode(SceneGenerator.scene(seed).caption());
      int eos = 0;
      while (ids[eos] != PromptTokenizer.EOS) {
        eos++;
      }
      longest = Math.max(longest, eos + 1);
    }
    assertThat(longest).isLessThanOrEqualTo(32);
  }

  @Test
  void scenesKeepTheLayoutAndContrastRulesAndUseTheWholeVocabulary() {
    Set<SceneColor> colors = EnumSet.noneOf(SceneColor.class);
    Set<SceneShape> shapes = EnumSet.noneOf(SceneShape.class);
    Set<SceneSize> sizes = EnumSet.noneOf(SceneSize.class);
    Set<Anchor> anchors = EnumSet.noneOf(Anchor.class);
    Set<Integer> counts = new HashSet<>();
    int gradients = 0;
    for (long seed = 0; seed < SCENES; seed++) {
      Scene s = SceneGenerator.scene(seed);
      assertThat(SceneGenerator.violation(s.objects())).as("seed %d", seed).isEqualTo(-1);
      Set<Anchor> used = EnumSet.noneOf(Anchor.class);
      for (SceneObject o : s.objects()) {
        assertThat(used.add(o.anchor())).as("distinct anchors, seed %d", seed).isTrue();
        assertThat(SceneGenerator.contrasting(s.background())).contains(o.color());
        assertThat(Math.abs(o.cx() - o.anchor().x())).isLessThanOrEqualTo(SceneGenerator.JITTER);
        assertThat(Math.abs(o.cy() - o.anchor().y())).isLessThanOrEqualTo(SceneGenerator.JITTER);
        colors.add(o.color());
        shapes.add(o.shape());
        sizes.add(o.size());
        anchors.add(o.anchor());
      }
      colors.add(s.background().color());
      counts.add(s.objects().size());
      gradients += s.background().gradient() ? 1 : 0;
    }
    assertThat(colors).hasSize(12);
    assertThat(shapes).hasSize(5);
    assertThat(sizes).hasSize(3);
    assertThat(anchors).hasSize(5);
    assertThat(counts).containsExactlyInAnyOrder(1, 2, 3);
    assertThat(gradients).isBetween(SCENES / 5, SCENES * 2 / 5);
  }

  @Test
  void noObjectColourIsNearlyTheBackgroundColour() {
    assertThat(SceneGenerator.contrasting(new Background(SceneColor.BLUE, false)))
        .doesNotContain(SceneColor.BLUE, SceneColor.PURPLE);
    assertThat(SceneGenerator.contrasting(new Background(SceneColor.BLACK, true)))
        .doesNotContain(SceneColor.BLACK, SceneColor.GRAY);
  }

  private static String anyOf(List<String> words) {
    return "(" + String.join("|", words) + ")";
  }
}
