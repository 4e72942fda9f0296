package com.aurous.server.playground;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Debian's chromium driven through its own chromedriver (packages chromium, chromium-driver;
 * .ci/run installs them). Selenium Manager never runs: both binaries are given by path, since
 * nothing may be downloaded. Without them a test fails under CI=true and is skipped elsewhere.
 */
final class HeadlessChromium {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private HeadlessChromium() {}

  static ChromeDriver start() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String why = "Headless Chromium is needed: " + CHROMIUM + " and " + CHROMEDRIVER
          + " (apt-get install -y chromium chromium-driver; .ci/run does this)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
        "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking");
    return new ChromeDriver(service, options);
  }

  /** Saves what the browser shows to {@code target/<dir>/<name>.png}; a failure to do so is only reported. */
  static Path screenshot(TakesScreenshot browser, String dir, String name) {
    try {
      File shot = browser.getScreenshotAs(OutputType.FILE);
      Path out = Path.of("target", dir, name.replaceAll("[^A-Za-z0-9_.-]", "_") + ".png");
      Files.createDirectories(out.getParent());
      Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
      return out;
    } catch (IOException | RuntimeException e) {
      System.err.println("could not save a screenshot " + name + ": " + e);
      return null;
    }
  }
}
