package com.aurous.server.playground;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The playground in a real headless Chromium against a real node with the engine: a person
 * pastes a key, types a prompt, watches the estimate follow the form, generates with the
 * progress bar fed by the event stream, sees the pictures, cancels a queued generation from the
 * gallery and meets a validation error in the API's own words.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaygroundPageTest {
  static final int STEPS = 11;
  static final Duration WAIT = Duration.ofSeconds(90);

  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;
  static ChromeDriver browser;
  static WebDriverWait waiting;

  @RegisterExtension
  static final ScreenshotOnFailure SCREENSHOTS = new ScreenshotOnFailure(() -> browser);

  @BeforeAll
  static void start() {
    browser = HeadlessChromium.start();
    // two samples at a time (the page generates two images at once): generations queued behind
    // two long ones stay pending
    node = TestNode.startWithEngine(new JsonObject().put("intra_op_threads", 1).put("max_running_per_worker", 2));
    team = node.newTeam(100_000);
    api = node.client(team.key());
    waiting = new WebDriverWait(browser, WAIT);
    browser.get(node.baseUrl() + "/playground");
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (node != null) {
      node.close();
    }
  }

  static WebElement byId(String id) {
    return browser.findElement(By.id(id));
  }

  static void type(String id, String text) {
    WebElement e = byId(id);
    e.clear();
    e.sendKeys(text);
  }

  static Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(script, args);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String estimateAmount() {
    return byId("estimate").getDomAttribute("data-amount");
  }

  @Test
  @Order(1)
  void thePastedKeyStaysInTheTabAndOutOfEveryUrl() {
    type("api-key", team.key());
    byId("save-key").click();
    waiting.until(d -> byId("key-state").getText().contains("key set"));
    assertThat(js("return sessionStorage.getItem('aurous.playground.apiKey')")).isEqualTo(team.key());
    assertThat(js("return localStorage.length")).isEqualTo(0L);
    assertThat(browser.getCurrentUrl()).doesNotContain(team.key());
    // no LoRA catalogue on this server: the select offers "none" and the page goes on
    assertThat(new Select(byId("lora")).getOptions().get(0).getText()).isEqualTo("none");
  }

  @Test
  @Order(2)
  void theEstimateFollowsTheFormAndTheCurlCommandShowsTheRequest() {
    type("prompt", "a lighthouse at dusk");
    waiting.until(d -> estimateAmount() != null);
    long one = Long.parseLong(estimateAmount());
    type("count", "3");
    waiting.until(d -> estimateAmount() != null && !estimateAmount().equals(String.valueOf(one)));
    // the same figure the API gives for that body
    long expected = api.post("/v1/images/estimate", new JsonObject().put("prompt", "a lighthouse at dusk")
        .put("size", "square").put("count", 3)).json().getJsonObject("estimated_cost").getLong("amount");
    assertThat(Long.parseLong(estimateAmount())).isEqualTo(expected);

    // slow estimates down in the page, then change the form faster than they answer: never two
    // in flight, and what is shown at the end is the estimate of the last form
    js("const s = window.__estimates = {inFlight: 0, max: 0, sent: 0}; const real = window.__realFetch = window.fetch;"
        + "window.fetch = function (url, opts) {"
        + "  if (!String(url).endsWith('/v1/images/estimate')) return real.apply(this, arguments);"
        + "  s.sent++; s.inFlight++; s.max = Math.max(s.max, s.inFlight);"
        + "  return real.apply(this, arguments).then(r => new Promise(ok => setTimeout(() => ok(r), 800)))"
        + "    .finally(() => { s.inFlight--; });"
        + "};");
    for (String count : new String[] {"1", "2", "4"}) {
      type("count", count);
      sleep(450);
    }
    long four = api.post("/v1/images/estimate", new JsonObject().put("prompt", "a lighthouse at dusk")
        .put("size", "square").put("count", 4)).json().getJsonObject("estimated_cost").getLong("amount");
    waiting.until(d -> ((Number) js("return window.__estimates.inFlight")).intValue() == 0
        && String.valueOf(four).equals(estimateAmount()));
    sleep(1000); // nothing later overwrites it
    assertThat(estimateAmount()).isEqualTo(String.valueOf(four));
    assertThat(((Number) js("return window.__estimates.max")).intValue()).as("estimates in flight at once").isEqualTo(1);
    // a change came while one was out (so the one-in-flight rule was exercised), yet fewer than the six input events
    assertThat(((Number) js("return window.__estimates.sent")).intValue()).as("estimates sent").isBetween(2, 5);
    js("window.fetch = window.__realFetch;");
    type("count", "3");
    waiting.until(d -> String.valueOf(expected).equals(estimateAmount()));

    String curl = byId("curl").getText();
    assertThat(curl).contains("/v1/images", "\"prompt\":\"a lighthouse at dusk\"", "\"count\":3", "$AUROUS_API_KEY")
        .doesNotContain(team.key());
  }

  @Test
  @Order(3)
  void generatingShowsTheStreamsProgressUpToAHundredPercentAndThenThePictures() {
    // a prompt the built-in model knows, so the screenshot shows a picture
    type("prompt", "a large red circle in the center on a blue background");
    type("count", "2");
    type("steps", String.valueOf(STEPS));
    type("seed", "42");
    waiting.until(d -> byId("curl").getText().contains("\"steps\":" + STEPS));
    byId("generate").click();

    waiting.until(d -> "100".equals(byId("progress-bar").getDomAttribute("data-percent")));
    waiting.until(d -> byId("progress-text").getText().startsWith("succeeded"));
    // the last progress event of the stream itself said step n of n
    assertThat(byId("progress-bar").getDomAttribute("data-stream-step")).isEqualTo(STEPS + "/" + STEPS);
    waiting.until(d -> (Boolean) js("const imgs = document.querySelectorAll('#results img.output');"
        + "return imgs.length === 2 && [...imgs].every(i => i.complete && i.naturalWidth > 0);"));
    assertThat(byId("error").isDisplayed()).isFalse();
    // the picture is the generation's: its link is this origin's signed output route
    String src = byId("results").findElement(By.tagName("img")).getDomProperty("src");
    assertThat(src).startsWith(node.baseUrl() + "/v1/images/img_").contains("/output/0?token=").doesNotContain(team.key());
    // the gallery lists it, succeeded, with its cost
    waiting.until(d -> !browser.findElements(By.cssSelector("#gallery tr[data-status=succeeded] td.cost")).isEmpty());
    WebElement cost = browser.findElement(By.cssSelector("#gallery tr[data-status=succeeded] td.cost"));
    assertThat(Long.parseLong(cost.getDomAttribute("data-amount"))).isPositive();
    assertThat(cost.getText()).endsWith("credits");
    Path shot = HeadlessChromium.screenshot(browser, "playground", "after-generation");
    assertThat(shot).isNotNull();
    assertThat(shot.toFile()).exists();
  }

  @Test
  @Order(4)
  void aQueuedGenerationIsCancelledFromTheGallery() {
    // two long generations hold both sample slots; the ones behind them stay pending
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "queued number " + i).put("steps", 100));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      ids.add(r.json().getString("id"));
    }
    String newest = ids.get(3);
    try {
      byId("gallery-refresh").click();
      By cancelButton = By.cssSelector("#gallery tr[data-id='" + newest + "'] button.cancel");
      // the gallery refreshes itself while something is active: a row may be redrawn under the click
      waiting.ignoring(StaleElementReferenceException.class).until(d -> {
        List<WebElement> b = d.findElements(cancelButton);
        if (b.isEmpty()) {
          return false;
        }
        b.get(0).click();
        return true;
      });
      Polling.until(() -> api.get("/v1/images/" + newest).json().getString("status"), "cancelled"::equals,
          WAIT, newest + " cancelled");
      By status = By.cssSelector("#gallery tr[data-id='" + newest + "'] td.status");
      waiting.ignoring(StaleElementReferenceException.class)
          .until(d -> !d.findElements(status).isEmpty() && d.findElement(status).getText().equals("cancelled"));
      assertThat(byId("error").isDisplayed()).isFalse();
    } finally {
      ids.forEach(id -> api.post("/v1/images/" + id + "/cancel", ""));
    }
  }

  @Test
  @Order(5)
  void aValidationErrorIsShownWithItsCodeAndMessage() {
    type("steps", "500");
    byId("generate").click();
    waiting.until(d -> byId("error").isDisplayed());
    assertThat(byId("error-code").getText()).isEqualTo("out_of_range");
    assertThat(byId("error-message").getText()).contains("steps");
    assertThat(byId("error-status").getText()).contains("HTTP 400", "param steps", "request req_");
    // the estimate says the same
    waiting.until(d -> byId("estimate-state").getText().startsWith("out_of_range"));
    type("steps", String.valueOf(STEPS));
  }

  @Test
  @Order(6)
  void aReferenceUploadTheServerDoesNotOfferLeavesThePageWorking() throws Exception {
    Path png = Files.createTempFile("reference", ".png");
    Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    byId("reference").sendKeys(png.toAbsolutePath().toString());
    waiting.until(d -> {
      String s = byId("reference-state").getText();
      return !s.isEmpty() && !s.startsWith("uploading");
    });
    // with POST /v1/files the body names the uploaded file; without it, none, and the page goes on
    String state = byId("reference-state").getText();
    if (state.startsWith("uploaded as file_")) {
      assertThat(byId("curl").getText()).contains("\"reference_image_urls\":[\"file_");
    } else {
      assertThat(state).containsAnyOf("not available", "refused");
      assertThat(byId("curl").getText()).doesNotContain("reference_image_urls");
    }
    type("count", "1");
    waiting.until(d -> "1".equals(byId("count").getDomProperty("value")) && estimateAmount() != null);
  }
}
