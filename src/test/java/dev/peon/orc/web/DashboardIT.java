package dev.peon.orc.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The dashboard end to end: a real orchestrator on a real dockerd, driven through a real headless
 * Chromium. Screenshots of the main pages land in {@code target/dashboard-screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GAME = "webtest";
  private static final String SERVER = GAME + ".alpha";
  private static final String OWNER_PASSWORD =
      "owner-chosen-" + Long.toHexString(System.nanoTime());
  private static final String VIEWER_PASSWORD =
      "viewer-pass-" + Long.toHexString(System.nanoTime());
  private static final String DESCRIPTION = "<b>bold</b><script>window.pwned = 1</script> & co";
  private static final Path SHOTS = Path.of("target", "dashboard-screenshots");

  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Path data;
  private Application app;
  private DockerContainerRuntime docker;
  private Browser browser;
  private IsolatedNetwork net;
  private String base;
  private String ownerKey;

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-dashboard-it");
    data = root.resolve("data");
    Path plan = root.resolve("plans").resolve(GAME);
    Files.createDirectories(plan);
    docker = new DockerContainerRuntime(TestDocker.host());
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s",
                      "description": "A <i>test</i> game for the dashboard"},
         "ports": [[{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": null, "MAX_PLAYERS": "8", "ADMIN_PASSWORD": "pw"},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions"}}
        """
            .formatted(GAME, TestImages.fakeGame(), FreePorts.any()));
    net = IsolatedNetwork.create();
    String listen = net == null ? "127.0.0.1" : net.hostAddress;
    // no owner.password: the first-run path (generated password, forced change) is under test
    app =
        Application.start(
            new ConfigLoader()
                .load(
                    null,
                    Map.of(),
                    Map.of(
                        "listen.host",
                        listen,
                        "listen.port",
                        "0",
                        "data.dir",
                        data.toString(),
                        "plans.source",
                        root.resolve("plans").toString(),
                        "stop.timeout",
                        "5s",
                        "network.subnet.pool",
                        "10.245.0.0/22",
                        // not '*': the console's WebSocket must pass as the page's own origin
                        "cors.origins",
                        "http://elsewhere.example",
                        "docker.host",
                        TestDocker.host())),
            Clock.systemUTC());
    base = "http://" + listen + ":" + app.port();
    browser = new Browser(root, 1280, 860, net);
  }

  @AfterAll
  void stop() throws IOException {
    if (browser != null) {
      browser.close();
    }
    if (net != null) {
      net.close();
    }
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.game", GAME))) {
      docker.remove(c.name());
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith(GAME + "_")) {
        docker.removeNetwork(n);
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  @Test
  @Order(1)
  void servesThePageWithAStrictPolicyAndKeepsApiErrorsJson() throws Exception {
    HttpResponse<String> page = get("/", Map.of("Accept", "text/html"));
    assertThat(page.statusCode()).isEqualTo(200);
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertThat(csp).contains("script-src 'self'").contains("frame-ancestors 'none'");
    assertThat(csp).doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(page.body()).doesNotContain("<script>").contains("type=\"module\"");
    // a client route is the page for browsers only; everything else keeps the JSON 404
    assertThat(get("/servers/x.y", Map.of("Accept", "text/html")).statusCode()).isEqualTo(200);
    HttpResponse<String> api = get("/servers/x.y", Map.of("Accept", "application/json"));
    assertThat(api.statusCode()).isEqualTo(404);
    assertThat(api.headers().firstValue("Content-Type").orElse("")).contains("json");
    assertThat(get("/api/v2/nope", Map.of("Accept", "text/html")).statusCode()).isEqualTo(401);
    assertThat(get("/assets/..%2Fapp.js", Map.of()).statusCode()).isEqualTo(404);
    assertThat(get("/healthz", Map.of("Accept", "text/html")).body()).contains("up");
  }

  @Test
  @Order(2)
  void theOwnerSignsInWithTheGeneratedPasswordAndMustChangeIt() throws Exception {
    String generated = Files.readString(data.resolve("owner-password")).strip();
    browser.open(base + "/");
    signIn("owner", generated);
    browser.find("#pw-title");
    List<org.openqa.selenium.WebElement> pw = browser.all("input[type=password]");
    pw.get(0).sendKeys(OWNER_PASSWORD);
    pw.get(1).sendKeys(OWNER_PASSWORD);
    pw.get(1).submit();
    browser.find("#servers");
    assertThat(browser.text("main")).contains("No servers yet");
    assertThat(data.resolve("owner-password")).doesNotExist();
    ownerKey = ownerKey();
    browser.screenshot(SHOTS.resolve("overview-empty.png"));
  }

  @Test
  @Order(3)
  void createsAServerFromAPlanAndSeesItStartWithoutReloading() throws Exception {
    browser.clickText("header nav a", "New server");
    browser.type("#plan-search", "dash");
    browser.click("[data-plan='" + GAME + "']");
    browser.find("#create-form");
    // the plan's own text is text, not markup
    assertThat(browser.text("#plan-detail")).contains("A <i>test</i> game");
    assertThat(browser.text("#port-groups")).contains("PORT");
    browser.type("#new-name", "alpha");
    browser.type("#new-description", DESCRIPTION);
    browser.type("[data-setting=SERVER_NAME]", "Alpha");
    browser.click("#new-start"); // created only: the start is watched on the overview
    browser.screenshot(SHOTS.resolve("wizard.png"));
    browser.click("#create");
    browser.until("return location.pathname === '/servers/" + SERVER + "'");
    // the description is shown as text: no element made of it, no script run
    assertThat(browser.text("#description")).isEqualTo(DESCRIPTION);
    assertThat(browser.js("return document.querySelector('#description').children.length"))
        .isEqualTo(0L);
    assertThat(browser.js("return window.pwned === undefined")).isEqualTo(true);

    browser.clickText("header nav a", "Servers");
    browser.find("#servers tr[data-id='" + SERVER + "']");
    browser.js("window.notReloaded = true");
    assertThat(apiCall("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\":\"start\"}"))
        .isEqualTo(202);
    browser.until(
        "const r = document.querySelector(\"tr[data-id='"
            + SERVER
            + "'] .badge\"); return r && r.textContent === 'running';");
    assertThat(browser.js("return window.notReloaded === true")).isEqualTo(true);
    assertThat(browser.text("#servers tr[data-id='" + SERVER + "']")).contains(":");
    browser.screenshot(SHOTS.resolve("overview.png"));
  }

  @Test
  @Order(4)
  void typesAConsoleCommandAndSeesItsEcho() {
    browser.open(base + "/servers/" + SERVER + "/console");
    browser.until(
        "return document.querySelector('#console-state')?.textContent.includes('running')");
    browser.type("#command", "hello from the dashboard");
    browser.find("#command").submit();
    browser.until(
        "return document.querySelector('#console').textContent"
            + ".includes('echo: hello from the dashboard')");
    browser.screenshot(SHOTS.resolve("console.png"));
    // the filter narrows the loaded lines and offers the server-side search of the whole log
    browser.type("#log-filter", "from the dash");
    browser.until("return !document.querySelector('#log-search').hidden");
    assertThat(browser.js("return document.querySelector('#log-search').getAttribute('href')"))
        .asString()
        .endsWith("/logs/download?q=from%20the%20dash");
  }

  @Test
  @Order(5)
  void makesABackupAndPreviewsARestore() {
    browser.clickText(".tabs a", "Backups");
    browser.click("#backup-create");
    browser.find("#backups [data-restore]").click();
    browser.find("#restore-diff");
    assertThat(browser.text("dialog")).contains("Restore the backup").contains("stopped");
    browser.screenshot(SHOTS.resolve("restore-preview.png"));
    browser.clickText("dialog button", "Cancel");
    browser.until("return !document.querySelector('dialog')");
  }

  @Test
  @Order(6)
  void changesASetting() throws Exception {
    browser.clickText(".tabs a", "Settings");
    browser.type("[data-setting=MAX_PLAYERS]", "12");
    browser.find("#settings-form").submit();
    browser.until("return document.querySelector('#settings-form .notice')");
    JsonNode s = apiJson("/api/v2/servers/" + SERVER);
    assertThat(s.path("settings").path("MAX_PLAYERS").asText()).isEqualTo("12");
    assertThat(s.path("pendingRecreate").asBoolean()).isTrue();
    browser.screenshot(SHOTS.resolve("settings.png"));
  }

  @Test
  @Order(6)
  void showsTheNextRunsOfASchedule() throws Exception {
    assertThat(
            apiCall(
                "POST",
                "/api/v2/servers/" + SERVER + "/schedules",
                "{\"action\":\"restart\",\"cron\":\"0 4 * * *\",\"timeZone\":\"Europe/Berlin\"}"))
        .isEqualTo(201);
    browser.open(base + "/servers/" + SERVER + "/schedules");
    browser.until("return document.body.textContent.includes('then ')");
    // the next run and, after "then", the four following ones, each a day later
    String row = browser.text("main table tbody tr");
    assertThat(row.substring(row.indexOf("then ")).split("·")).hasSize(4);
  }

  @Test
  @Order(7)
  void mainPagesHaveNoSeriousAccessibilityViolations() throws Exception {
    Map<String, List<String>> found = new LinkedHashMap<>();
    for (String page :
        List.of(
            "/",
            "/new",
            "/servers/" + SERVER,
            "/servers/" + SERVER + "/console",
            "/servers/" + SERVER + "/settings",
            "/servers/" + SERVER + "/schedules",
            "/servers/" + SERVER + "/backups",
            "/admin/users",
            "/admin/keys",
            "/admin/audit",
            "/admin/system",
            "/account")) {
      browser.open(base + page);
      browser.until("return document.querySelector('main h1')");
      browser.until("return document.querySelectorAll('main .panel, main table').length > 0");
      for (String theme : List.of("light", "dark")) {
        browser.js("document.documentElement.dataset.theme = arguments[0]", theme);
        List<String> bad = axe();
        if (!bad.isEmpty()) {
          found.put(page + " (" + theme + ")", bad);
        }
      }
    }
    browser.js("delete document.documentElement.dataset.theme");
    assertThat(found).as("serious or critical axe-core violations").isEmpty();
  }

  @Test
  @Order(8)
  void aViewerSeesNoPowerButtonsAndAForgedRequestIsRefused() throws Exception {
    assertThat(
            apiCall(
                "POST",
                "/api/v2/users",
                "{\"name\":\"vera\",\"password\":\"" + VIEWER_PASSWORD + "\",\"role\":\"viewer\"}"))
        .isEqualTo(201);
    browser.open(base + "/admin/system");
    browser.screenshot(SHOTS.resolve("system.png"));
    browser.open(base + "/admin/users");
    browser.find("#users tbody tr");
    browser.screenshot(SHOTS.resolve("users.png"));
    browser.clickText("header button", "Sign out");
    signIn("vera", VIEWER_PASSWORD);
    browser.find("#servers tr[data-id='" + SERVER + "']");
    assertThat(browser.all("header nav a")).extracting(e -> e.getText()).doesNotContain("Users");
    browser.open(base + "/servers/" + SERVER);
    browser.find("#power");
    assertThat(browser.all("#power button")).isEmpty();
    assertThat(browser.text("main")).doesNotContain("Delete");
    // the server still enforces it: a request the page would never make is refused
    Object forged =
        browser.asyncJs(
            "const done = arguments[arguments.length - 1];"
                + " fetch('/api/v2/servers/"
                + SERVER
                + "/power', {method: 'POST', headers: {'Content-Type': 'application/json',"
                + " 'X-CSRF-Token': sessionStorage.getItem('peon.csrf')},"
                + " body: JSON.stringify({action: 'stop'})}).then(r => done(r.status));");
    assertThat(forged).isEqualTo(403L);
    // and a changing request without the CSRF token (what another site could send) too
    Object noCsrf =
        browser.asyncJs(
            "const done = arguments[arguments.length - 1];"
                + " fetch('/api/v2/logout', {method: 'POST'}).then(r => done(r.status));");
    assertThat(noCsrf).isEqualTo(403L);
    assertThat(apiJson("/api/v2/servers/" + SERVER).path("state").asText()).isEqualTo("running");
    browser.clickText("header button", "Sign out");
  }

  @Test
  @Order(9)
  void deletesTheServer() throws Exception {
    signIn("owner", OWNER_PASSWORD);
    browser.find("#servers");
    browser.open(base + "/servers/" + SERVER);
    browser.click("#delete");
    browser.click("#delete-files");
    browser.type("#delete-confirm", SERVER);
    browser.clickText("dialog button", "Delete");
    browser.until("return location.pathname === '/'");
    browser.until(
        "return document.querySelector('#servers') && !document.querySelector(\"tr[data-id='"
            + SERVER
            + "']\")");
    Await.until(() -> get("/api/v2/servers/" + SERVER, key()).statusCode() == 404);
  }

  /**
   * Page weight and time-to-usable for docs/benchmarks.md: printed, never asserted on time. The
   * weight (compressed bytes of everything the first page loads) is asserted: under 200 KB.
   */
  @Test
  @Order(10)
  void measuresPageWeightAndTimeToUsable() throws Exception {
    browser.cdp("Network.enable", Map.of());
    browser.cdp("Network.clearBrowserCache", Map.of()); // a first visit: nothing cached
    browser.open(base + "/");
    browser.find("#servers");
    browser.until("return performance.getEntriesByName('peon-usable').length > 0");
    Map<String, Object> first =
        browser.map(
            browser.js(
                "const n = performance.getEntriesByType('navigation')[0];"
                    + " const r = performance.getEntriesByType('resource')"
                    + ".filter(e => !e.name.includes('/api/'));"
                    + " return {compressed: n.encodedBodySize + r.reduce((a, e) => a + e.encodedBodySize, 0),"
                    + " raw: n.decodedBodySize + r.reduce((a, e) => a + e.decodedBodySize, 0),"
                    + " files: r.length + 1,"
                    + " usable: performance.getEntriesByName('peon-usable')[0].startTime};"));
    // 500 servers: the list answer and a stats event are synthesised in the page
    browser.cdp("Page.addScriptToEvaluateOnNewDocument", Map.of("source", SYNTHETIC_500));
    browser.open(base + "/");
    browser.until("return document.querySelectorAll('#servers tbody tr').length === 500");
    Map<String, Object> many =
        browser.map(
            browser.js(
                "const usable = performance.getEntriesByName('peon-usable')[0].startTime;"
                    + " const servers = {};"
                    + " for (let i = 0; i < 500; i++) servers['bench.s' + String(i).padStart(3, '0')]"
                    + " = {cpuPercent: Math.random() * 100, memoryBytes: 1e9 * Math.random()};"
                    + " let t = performance.now();"
                    + " window.benchSource.dispatchEvent(new MessageEvent('stats',"
                    + " {data: JSON.stringify({servers})}));"
                    + " const stats = performance.now() - t;"
                    + " const q = document.querySelector('#search'); t = performance.now();"
                    + " q.value = 's12'; q.dispatchEvent(new Event('input'));"
                    + " const filter = performance.now() - t;"
                    + " q.value = ''; q.dispatchEvent(new Event('input'));"
                    + " return {usable, stats, filter};"));
    System.out.println("DASHBOARD-BENCH first load: " + first + "; 500 servers: " + many);
    assertThat(((Number) first.get("compressed")).longValue()).isLessThan(200 * 1024);
  }

  /** Replaces the server list with 500 made-up servers and keeps the event source reachable. */
  private static final String SYNTHETIC_500 =
      """
      (() => {
        const fetch0 = window.fetch;
        window.fetch = (u, init) => {
          if (u === '/api/v2/servers') {
            const items = Array.from({length: 500}, (_, i) => {
              const n = 's' + String(i).padStart(3, '0');
              return {id: 'bench.' + n, game: 'bench', name: n, description: 'Bench server ' + i,
                state: i % 4 ? 'running' : 'exited', ports: [{name: 'PORT', port: 20000 + i,
                protocol: 'udp'}], startedAt: new Date(Date.now() - i * 60000).toISOString(),
                lastCrash: null, nextSchedule: null, pendingRecreate: false};
            });
            return Promise.resolve(new Response(JSON.stringify({items}),
              {headers: {'Content-Type': 'application/json'}}));
          }
          return fetch0(u, init);
        };
        const ES = window.EventSource;
        window.EventSource = class extends ES {
          constructor(...a) { super(...a); window.benchSource = this; }
        };
      })();
      """;

  // ------------------------------------------------------------------ helpers

  private void signIn(String name, String password) {
    browser.type("input[name=username]", name);
    browser.type("input[name=password]", password);
    browser.find("input[name=password]").submit();
  }

  /** axe-core (test scope only: never in the jar) on the current page: serious and critical. */
  private List<String> axe() throws IOException {
    if (Boolean.FALSE.equals(browser.js("return typeof axe !== 'undefined'"))) {
      browser.js(axeSource());
    }
    String out =
        (String)
            browser.asyncJs(
                "const done = arguments[arguments.length - 1];"
                    + " axe.run(document, {resultTypes: ['violations']})"
                    + ".then(r => done(JSON.stringify(r.violations"
                    + ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                    + ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' '))"
                    + ".join(', ')))))"
                    + ".catch(e => done(JSON.stringify(['axe failed: ' + e])));");
    List<String> bad = new ArrayList<>();
    JSON.readTree(out).forEach(n -> bad.add(n.asText()));
    return bad;
  }

  private static String axeSource() throws IOException {
    try (InputStream in =
        DashboardIT.class.getResourceAsStream(
            "/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js")) {
      if (in == null) {
        throw new IllegalStateException("axe-core webjar missing from the test classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private String ownerKey() throws Exception {
    HttpResponse<String> login =
        send(
            "POST",
            "/api/v2/login",
            "{\"name\":\"owner\",\"password\":\"" + OWNER_PASSWORD + "\"}",
            Map.of());
    assertThat(login.statusCode()).isEqualTo(200);
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    String csrf = JSON.readTree(login.body()).path("csrfToken").asText();
    HttpResponse<String> key =
        send(
            "POST",
            "/api/v2/keys",
            "{\"name\":\"dashboard-it\"}",
            Map.of("Cookie", cookie, "X-CSRF-Token", csrf));
    assertThat(key.statusCode()).isEqualTo(201);
    return JSON.readTree(key.body()).path("secret").asText();
  }

  private Map<String, String> key() {
    return Map.of("X-Api-Key", ownerKey);
  }

  private int apiCall(String method, String path, String body) throws Exception {
    return send(method, path, body, key()).statusCode();
  }

  private JsonNode apiJson(String path) throws Exception {
    return JSON.readTree(get(path, key()).body());
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) {
    try {
      return send("GET", path, null, headers);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> send(
      String method, String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
