package dev.peon.orc.web;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.RemoteWebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian {@code chromium} + {@code chromium-driver}) driven by Selenium,
 * with a fresh profile; nothing is downloaded (Selenium Manager stays offline).
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(60);

  final RemoteWebDriver driver;
  private final Path profile;
  private final Process isolatedDriver;

  /**
   * @param net the network namespace to run the browser in, or null for the host's
   */
  Browser(Path scratch, int width, int height, IsolatedNetwork net) {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      throw new IllegalStateException(
          "the dashboard tests need Chromium: apt-get install chromium chromium-driver");
    }
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    System.setProperty("SE_OFFLINE", "true");
    System.setProperty("se.manager.offline", "true");
    try {
      profile = Files.createTempDirectory(scratch, "chromium-profile");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=" + width + "," + height,
        "--user-data-dir=" + profile);
    org.openqa.selenium.logging.LoggingPreferences logs =
        new org.openqa.selenium.logging.LoggingPreferences();
    logs.enable(org.openqa.selenium.logging.LogType.BROWSER, java.util.logging.Level.ALL);
    o.setCapability("goog:loggingPrefs", logs);
    if (net == null) {
      isolatedDriver = null;
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
              .usingAnyFreePort()
              .build();
      driver = new ChromeDriver(service, o);
      return;
    }
    try {
      isolatedDriver =
          new ProcessBuilder(
                  net.exec(
                      CHROMEDRIVER.toString(),
                      "--port=9515",
                      "--allowed-ips=" + net.hostAddress,
                      "--allowed-origins=*"))
              .redirectErrorStream(true)
              .redirectOutput(
                  profile.resolveSibling(profile.getFileName() + ".driver.log").toFile())
              .start();
      java.net.URL url = java.net.URI.create("http://" + net.namespaceAddress + ":9515").toURL();
      java.net.http.HttpClient probe = java.net.http.HttpClient.newHttpClient();
      dev.peon.orc.testing.Await.until(
          () -> {
            try {
              return probe
                      .send(
                          java.net.http.HttpRequest.newBuilder(url.toURI().resolve("/status"))
                              .build(),
                          java.net.http.HttpResponse.BodyHandlers.ofString())
                      .statusCode()
                  == 200;
            } catch (Exception e) {
              return false;
            }
          });
      driver = new RemoteWebDriver(url, o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Chrome DevTools command (the bench uses it to synthesise a large server list). */
  void cdp(String command, Map<String, Object> params) {
    org.openqa.selenium.WebDriver d =
        driver instanceof org.openqa.selenium.chromium.HasCdp
            ? driver
            : new org.openqa.selenium.remote.Augmenter().augment(driver);
    ((org.openqa.selenium.chromium.HasCdp) d).executeCdpCommand(command, params);
  }

  /**
   * Opens a page; again when Chromium showed its own error page instead (it aborts loads when it
   * sees a network interface change, which a shared dockerd creating networks causes).
   */
  void open(String url) {
    for (int attempt = 1; ; attempt++) {
      driver.get(url);
      try {
        new WebDriverWait(driver, Duration.ofSeconds(10))
            .until(
                d ->
                    Boolean.TRUE.equals(
                        js("return document.documentElement.dataset.app === 'loaded'")));
        return;
      } catch (org.openqa.selenium.TimeoutException e) {
        if (attempt == 3) {
          throw new AssertionError("the dashboard did not load: " + describe(), e);
        }
      }
    }
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object asyncJs(String script, Object... args) {
    driver.manage().timeouts().scriptTimeout(WAIT);
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  /** Waits until the script answers something truthy, and answers it. */
  Object until(String script, Object... args) {
    try {
      return new WebDriverWait(driver, WAIT)
          .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
          .until(
              d -> {
                Object v = js(script, args);
                return v == null || Boolean.FALSE.equals(v) ? null : v;
              });
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("not met: " + script + "\n" + describe(), e);
    }
  }

  /** Where the browser is and what it shows, for failure messages. */
  String describe() {
    Object text =
        js(
            "return location.href + '\\n' + (document.body ? document.body.innerText.slice(0, 800) : '')");
    StringBuilder logs = new StringBuilder();
    try {
      driver.manage().logs().get("browser").forEach(l -> logs.append(l.getMessage()).append('\n'));
    } catch (RuntimeException e) {
      logs.append("(no browser log: ").append(e.getMessage()).append(')');
    }
    return text + "\nbrowser log:\n" + logs;
  }

  WebElement find(String css) {
    return new WebDriverWait(driver, WAIT).until(d -> d.findElement(By.cssSelector(css)));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  void type(String css, String text) {
    WebElement e = find(css);
    e.clear();
    e.sendKeys(text);
  }

  void click(String css) {
    find(css).click();
  }

  /** Clicks the first element matching css whose text is exactly {@code text}. */
  void clickText(String css, String text) {
    until(
        "const e = [...document.querySelectorAll(arguments[0])].find(x => x.textContent.trim() === arguments[1]);"
            + " if (e) { e.click(); return true; } return false;",
        css,
        text);
  }

  String text(String css) {
    return find(css).getText();
  }

  void screenshot(Path file) {
    js("window.scrollTo(0, 0); document.activeElement?.blur()");
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      if (isolatedDriver != null) {
        isolatedDriver.destroy();
      }
    }
  }
}
