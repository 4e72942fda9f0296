package com.aurous.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.aurous.server.model.scenes.HeldOutScenes;
import com.aurous.server.model.scenes.SceneRasterizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleGridTest {

  @Test
  void aSheetHoldsEachThumbnailInItsCellWithRoomForItsPromptAndVerdict() {
    List<HeldOutScenes.Case> cases = HeldOutScenes.cases(3, 0);
    SampleGrid grid = new SampleGrid(2, 128);
    for (HeldOutScenes.Case c : cases) {
      byte[] px = SceneRasterizer.render(c.scene(), 512, 256);
      grid.add(px, 512, 256, c.caption(), SceneEvaluator.score(px, 512, 256, c.scene()));
    }
    SampleGrid.Sheet sheet = grid.render();
    assertThat(sheet.width()).isEqualTo(2 * 128 + 3 * 6);
    // Two rows of a 64-pixel thumbnail and six text lines each, with 6-pixel gutters.
    assertThat(sheet.height()).isGreaterThan(2 * (64 + 6 * 13)).isLessThan(2 * (64 + 6 * 13 + 20));
    assertThat(sheet.rgb()).hasSize(sheet.width() * sheet.height() * 3);
    // The third image's thumbnail starts the second row; its top-left corner is its background.
    int cellHeight = (sheet.height() - 3 * 6) / 2;
    int i = ((6 + cellHeight + 6 + 1) * sheet.width() + 6 + 1) * 3;
    int bg = cases.get(2).scene().background().top();
    assertThat(Math.abs((sheet.rgb()[i] & 0xFF) - ((bg >> 16) & 0xFF))).isLessThanOrEqualTo(3);
    assertThat(Math.abs((sheet.rgb()[i + 1] & 0xFF) - ((bg >> 8) & 0xFF))).isLessThanOrEqualTo(3);
    assertThat(Math.abs((sheet.rgb()[i + 2] & 0xFF) - (bg & 0xFF))).isLessThanOrEqualTo(3);
  }
}
