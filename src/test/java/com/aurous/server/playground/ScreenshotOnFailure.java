package com.aurous.server.playground;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.TakesScreenshot;

import java.nio.file.Path;
import java.util.function.Supplier;

/** A failed browser test leaves what the page showed in target/playground-failures/ (the browser is still open then). */
final class ScreenshotOnFailure implements TestWatcher {
  private final Supplier<TakesScreenshot> browser;

  ScreenshotOnFailure(Supplier<TakesScreenshot> browser) {
    this.browser = browser;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    TakesScreenshot b = browser.get();
    if (b == null) {
      return;
    }
    Path saved = HeadlessChromium.screenshot(b, "playground-failures", context.getDisplayName());
    if (saved != null) {
      System.err.println("screenshot of the failed " + context.getDisplayName() + ": " + saved.toAbsolutePath());
    }
  }
}
