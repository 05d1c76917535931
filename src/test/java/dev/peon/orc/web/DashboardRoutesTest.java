package dev.peon.orc.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boots only the dashboard routes: the page, its assets, client routes and the headers. */
class DashboardRoutesTest {
  @TempDir Path tmp;
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer http;
  private int port;

  @BeforeEach
  void boot() {
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of("listen.host", "127.0.0.1", "listen.port", "0", "data.dir", tmp.toString()));
    http =
        new HttpServer(
            config, (address, key) -> AccessCheck.Outcome.DENIED, List.of(new DashboardRoutes()));
    port = http.start();
  }

  @AfterEach
  void stop() {
    client.shutdownNow();
    http.close();
  }

  private HttpResponse<String> get(String path, String accept, String etag) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    if (etag != null) {
      b.header("If-None-Match", etag);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesThePageWithAStrictPolicyAndNoInlineScript() throws Exception {
    HttpResponse<String> r = get("/", "text/html", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(r.headers().firstValue("Content-Security-Policy")).contains(DashboardRoutes.CSP);
    assertThat(DashboardRoutes.CSP)
        .contains("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
        .doesNotContain("unsafe");
    assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
    // every script is a file of ours; no inline script or style, no other origin
    assertThat(r.body()).doesNotContainPattern("<script(?![^>]*src=\"/assets/)");
    assertThat(r.body()).doesNotContain("<style", "style=", "http://", "https://");
  }

  @Test
  void everyAssetThePageNamesIsServedWithItsTypeAndRevalidates() throws Exception {
    String page = get("/", "text/html", null).body();
    Matcher m = Pattern.compile("(?:href|src)=\"(/assets/[^\"]+)\"").matcher(page);
    int n = 0;
    while (m.find()) {
      n++;
      HttpResponse<String> a = get(m.group(1), null, null);
      assertThat(a.statusCode()).as(m.group(1)).isEqualTo(200);
      assertThat(a.headers().firstValue("Content-Security-Policy")).isPresent();
      String etag = a.headers().firstValue("ETag").orElseThrow();
      assertThat(get(m.group(1), null, etag).statusCode()).isEqualTo(304);
    }
    assertThat(n).isGreaterThan(3);
    assertThat(get("/assets/app.js", null, null).headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/javascript");
  }

  @Test
  void assetsAreLooksUpByCheckedNameOnly() throws Exception {
    for (String bad :
        List.of(
            "/assets/..%2Findex.html",
            "/assets/nope.js", "/assets/APP.JS", "/assets/app.js.map", "/assets/.hidden.js")) {
      assertThat(get(bad, null, null).statusCode()).as(bad).isEqualTo(404);
    }
  }

  @Test
  void clientRoutesAnswerThePageToBrowsersOnlyAndApiPathsStayJson() throws Exception {
    for (String route :
        List.of(
            "/login", "/new", "/account", "/servers/a.b", "/servers/a.b/console", "/admin/users")) {
      HttpResponse<String> html = get(route, "text/html,application/xhtml+xml", null);
      assertThat(html.statusCode()).as(route).isEqualTo(200);
      assertThat(html.body()).contains("/assets/app.js");
      HttpResponse<String> json = get(route, "application/json", null);
      assertThat(json.statusCode()).as(route).isEqualTo(404);
      assertThat(json.headers().firstValue("Content-Type").orElse("")).contains("json");
    }
    // the API is not shadowed: without a key it is still refused, in JSON
    HttpResponse<String> api = get("/api/v2/servers", "text/html", null);
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.body()).doesNotContain("<html");
  }

  /**
   * User-supplied text (server names, descriptions, console lines, plan fields) must reach the page
   * as text: no script of the dashboard may use an HTML sink, whatever the data.
   */
  @Test
  void noScriptUsesAnHtmlSinkOrEval() throws Exception {
    Path assets = Path.of("src", "main", "resources", "web", "assets");
    Pattern sink =
        Pattern.compile(
            "innerHTML|outerHTML|insertAdjacentHTML|document\\.write|\\beval\\(|new Function|"
                + "setAttribute\\(\\s*['\"]on|javascript:");
    List<Path> scripts;
    try (var files = java.nio.file.Files.list(assets)) {
      scripts = files.filter(f -> f.toString().endsWith(".js")).toList();
    }
    assertThat(scripts).hasSizeGreaterThan(5);
    for (Path f : scripts) {
      assertThat(java.nio.file.Files.readString(f)).as(f.toString()).doesNotContainPattern(sink);
    }
  }
}
