package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import dev.peon.orc.testing.RoutesUnderTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Boots only {@link ScheduleRoutes} on a real server (port 0) with a real SQLite database. */
class ScheduleRoutesTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private static final ServerId OTHER = ServerId.parse("csgo.main");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String BASE = "/api/v2/servers/valheim.camp1/schedules";

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Scheduler scheduler;
  private String root;

  record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  @BeforeEach
  void boot() {
    Database db = ScheduleStore.open(dir);
    toClose.add(db);
    ScheduleStore.insertServer(db, CAMP);
    ScheduleStore.insertServer(db, OTHER);
    scheduler =
        new Scheduler(
            new ScheduleRepository(db),
            clock,
            new RecordingHandler(0),
            new EventBus(clock),
            new CallerRunsExecutor());
    toClose.add(scheduler);
    HttpServer http =
        RoutesUnderTest.server(
            dir, List.of(new ScheduleRoutes(scheduler, Set.of(CAMP, OTHER)::contains, clock)));
    toClose.add(http);
    // open keep-alive connections would make the server's graceful stop wait
    toClose.add(client::shutdownNow);
    root = "http://127.0.0.1:" + http.start();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private Answer call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(root + path))
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = r.body().isEmpty() ? null : mapper.readTree(r.body());
    return new Answer(r.statusCode(), json, r);
  }

  private Answer post(String body) throws Exception {
    return call("POST", BASE, body);
  }

  private static void assertInvalid(Answer a, String field) {
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(a.body().path("type").asText()).endsWith("/invalid-request");
    List<String> fields = new ArrayList<>();
    a.body().path("errors").forEach(e -> fields.add(e.path("field").asText()));
    assertThat(fields).contains(field);
  }

  @Test
  void createsACronScheduleAndListsIt() throws Exception {
    Answer created =
        post(
            "{\"action\": \"restart\", \"cron\": \"0 0 4 * * *\", \"timeZone\": \"Europe/Berlin\"}");

    assertThat(created.status()).isEqualTo(201);
    JsonNode s = created.body();
    long id = s.path("id").asLong();
    assertThat(created.raw().headers().firstValue("Location")).contains(BASE + "/" + id);
    assertThat(s.path("server").asText()).isEqualTo("valheim.camp1");
    assertThat(s.path("action").asText()).isEqualTo("restart");
    assertThat(s.path("cron").asText()).isEqualTo("0 0 4 * * *");
    assertThat(s.path("at").isNull()).isTrue();
    assertThat(s.path("timeZone").asText()).isEqualTo("Europe/Berlin");
    assertThat(s.path("enabled").asBoolean()).isTrue();
    assertThat(s.path("misfire").asText()).isEqualTo("run-once");
    assertThat(s.path("updateMode").isNull()).isTrue();
    assertThat(s.path("origin").asText()).isEqualTo("v2");
    assertThat(s.path("nextRun").asText()).isEqualTo("2026-01-01T03:00:00Z");
    // 04:00 in Berlin, the next five days
    assertThat(s.path("nextRuns"))
        .extracting(com.fasterxml.jackson.databind.JsonNode::asText)
        .containsExactly(
            "2026-01-01T03:00:00Z",
            "2026-01-02T03:00:00Z",
            "2026-01-03T03:00:00Z",
            "2026-01-04T03:00:00Z",
            "2026-01-05T03:00:00Z");
    assertThat(s.path("lastRun").isNull()).isTrue();
    assertThat(s.path("lastResult").isNull()).isTrue();
    assertThat(s.path("createdAt").asText()).isEqualTo("2026-01-01T00:00:00Z");

    Answer list = call("GET", BASE, null);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.body().path("items")).hasSize(1);
    assertThat(list.body().path("items").get(0)).isEqualTo(s);
    assertThat(call("GET", BASE + "/" + id, null).body()).isEqualTo(s);
    assertThat(scheduler.nextEvent(CAMP)).contains(Instant.parse("2026-01-01T03:00:00Z"));
  }

  @Test
  void createsACommandScheduleWithItsSteps() throws Exception {
    String steps =
        "[{\"command\": \"say restarting in 5 minutes\"}, {\"wait\": \"5m\"},"
            + " {\"command\": \"say restarting now\"}, {\"action\": \"restart\"}]";
    Answer created =
        post("{\"action\": \"command\", \"cron\": \"0 4 * * *\", \"steps\": " + steps + "}");
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    assertThat(created.body().path("action").asText()).isEqualTo("command");
    assertThat(created.body().path("steps")).isEqualTo(mapper.readTree(steps));
    Answer listed = call("GET", BASE, null);
    assertThat(listed.body().path("items").get(0).path("steps")).isEqualTo(mapper.readTree(steps));
    Answer disabled =
        call("PATCH", BASE + "/" + created.body().path("id").asText(), "{\"enabled\": false}");
    assertThat(disabled.body().path("steps")).isEqualTo(mapper.readTree(steps));
    assertThat(disabled.body().path("enabled").asBoolean()).isFalse();
    String shorter = "[{\"command\": \"say restart soon\"}, {\"action\": \"restart\"}]";
    Answer changed =
        call(
            "PATCH",
            BASE + "/" + created.body().path("id").asText(),
            "{\"steps\": " + shorter + "}");
    assertThat(changed.status()).as(changed.body().toString()).isEqualTo(200);
    assertThat(
            call("GET", BASE + "/" + created.body().path("id").asText(), null).body().path("steps"))
        .isEqualTo(mapper.readTree(shorter));
  }

  @Test
  void refusesACommandScheduleWithoutGoodStepsAndStepsOnOtherActions() throws Exception {
    assertInvalid(post("{\"action\": \"command\", \"cron\": \"0 4 * * *\"}"), "steps");
    assertInvalid(
        post(
            "{\"action\": \"command\", \"cron\": \"0 4 * * *\", \"steps\":"
                + " [{\"command\": \"say hi\"}, {\"wait\": \"2h\"}]}"),
        "steps");
    assertInvalid(
        post(
            "{\"action\": \"command\", \"cron\": \"0 4 * * *\", \"steps\":"
                + " [{\"command\": \"say\\u0007\"}]}"),
        "steps[0].command");
    assertInvalid(
        post(
            "{\"action\": \"restart\", \"cron\": \"0 4 * * *\", \"steps\":"
                + " [{\"command\": \"say hi\"}]}"),
        "steps");
    assertThat(call("GET", BASE, null).body().path("items")).isEmpty();
    Answer restart = post("{\"action\": \"restart\", \"cron\": \"0 4 * * *\"}");
    assertInvalid(
        call(
            "PATCH",
            BASE + "/" + restart.body().path("id").asText(),
            "{\"steps\": [{\"command\": \"say hi\"}]}"),
        "steps");
  }

  @Test
  void createsAOneShotAndAnUpdateWithItsDefaultMode() throws Exception {
    Answer once =
        post(
            "{\"action\": \"stop\", \"at\": \"2026-01-01T01:30:00+01:00\", \"misfire\": \"skip\"}");
    assertThat(once.status()).isEqualTo(201);
    assertThat(once.body().path("at").asText()).isEqualTo("2026-01-01T00:30:00Z");
    assertThat(once.body().path("nextRun").asText()).isEqualTo("2026-01-01T00:30:00Z");
    assertThat(once.body().path("nextRuns"))
        .extracting(com.fasterxml.jackson.databind.JsonNode::asText)
        .containsExactly("2026-01-01T00:30:00Z");
    assertThat(once.body().path("timeZone").asText()).isEqualTo("UTC");
    assertThat(once.body().path("misfire").asText()).isEqualTo("skip");

    Answer update = post("{\"action\": \"update\", \"cron\": \"0 5 * * SUN\", \"enabled\": false}");
    assertThat(update.status()).isEqualTo(201);
    assertThat(update.body().path("updateMode").asText()).isEqualTo("full");
    assertThat(update.body().path("enabled").asBoolean()).isFalse();
    assertThat(update.body().path("nextRun").isNull()).isTrue();

    Answer reinit =
        post("{\"action\": \"update\", \"cron\": \"0 5 * * *\", \"updateMode\": \"reinit\"}");
    assertThat(reinit.body().path("updateMode").asText()).isEqualTo("reinit");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"action\": \"stop\", \"cron\": \"* * * * *\", \"colour\": 1}      | colour",
        "{\"action\": \"stop\", \"cron\": \"* * * * *\", \"enabled\": \"yes\"} | enabled",
        "{\"action\": 3, \"cron\": \"* * * * *\"}                            | action",
        "{\"cron\": \"* * * * *\"}                                           | action",
        "{\"action\": \"kill\", \"cron\": \"* * * * *\"}                     | action",
        "{\"action\": \"Stop\", \"cron\": \"* * * * *\"}                     | action",
        "{\"action\": \"stop\", \"cron\": \"* 25 * * *\"}                    | cron",
        "{\"action\": \"stop\", \"cron\": \"0 0 30 2 *\"}                    | cron",
        "{\"action\": \"stop\", \"cron\": 5}                                 | cron",
        "{\"action\": \"stop\", \"cron\": \"* * * * *\", \"timeZone\": \"Mars/Olympus\"} | timeZone",
        "{\"action\": \"stop\", \"cron\": \"* * * * *\", \"at\": \"2026-02-01T00:00:00Z\"} | at",
        "{\"action\": \"stop\"}                                              | cron",
        "{\"action\": \"stop\", \"at\": \"2025-12-31T23:59:59Z\"}            | at",
        "{\"action\": \"stop\", \"at\": \"2026-01-01T00:00:00Z\"}            | at",
        "{\"action\": \"stop\", \"at\": \"tomorrow\"}                        | at",
        "{\"action\": \"stop\", \"at\": 1767225600}                          | at",
        "{\"action\": \"stop\", \"cron\": \"* * * * *\", \"misfire\": \"always\"} | misfire",
        "{\"action\": \"update\", \"cron\": \"* * * * *\", \"updateMode\": \"quick\"} | updateMode",
        "{\"action\": \"stop\", \"cron\": \"* * * * *\", \"updateMode\": \"full\"} | updateMode",
        "{\"action\": \"restart\", \"cron\": \"* * * * * *\"}                | cron",
        "{\"action\": \"restart\", \"cron\": \"0,30 * * * * *\"}             | cron",
        "{\"action\": \"stop\", \"at\": \"+999999999-12-31T23:59:59Z\"}        | at",
        "{\"action\": \"stop\", \"at\": \"10000-01-01T00:00:00Z\"}             | at",
      })
  void refusesInvalidInputNamingTheField(String body, String field) throws Exception {
    assertInvalid(post(body), field);
    assertThat(scheduler.list(CAMP)).isEmpty();
  }

  @Test
  void anInvalidCronNamesTheCronField() throws Exception {
    Answer a = post("{\"action\": \"stop\", \"cron\": \"* 25 * * *\"}");
    assertThat(a.body().path("detail").asText())
        .isEqualTo("cron hour field: value 25 is out of range 0-23");
  }

  @Test
  void refusesABodyThatIsNotJson() throws Exception {
    Answer a = post("{not json");
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.body().path("type").asText()).endsWith("/invalid-request");
  }

  @Test
  void unknownServersAndOtherServersSchedulesAreNotFound() throws Exception {
    long id = post("{\"action\": \"stop\", \"cron\": \"0 * * * *\"}").body().path("id").asLong();
    String other = "/api/v2/servers/csgo.main/schedules/" + id;

    assertThat(call("GET", "/api/v2/servers/valheim.ghost/schedules", null).status())
        .isEqualTo(404);
    assertThat(call("POST", "/api/v2/servers/valheim.ghost/schedules", "{}").status())
        .isEqualTo(404);
    assertThat(call("GET", other, null).status()).isEqualTo(404);
    assertThat(call("PATCH", other, "{\"enabled\": false}").status()).isEqualTo(404);
    assertThat(call("DELETE", other, null).status()).isEqualTo(404);
    assertThat(call("GET", BASE + "/999", null).status()).isEqualTo(404);
    Answer notFound = call("GET", BASE + "/999", null);
    assertThat(notFound.body().path("type").asText()).endsWith("/not-found");
    assertInvalid(call("GET", BASE + "/abc", null), "sid");
    assertInvalid(call("GET", "/api/v2/servers/not..valid/schedules", null), "id");
    assertThat(scheduler.find(CAMP, id).orElseThrow().enabled()).isTrue();
  }

  @Test
  void patchDisablesEnablesAndChangesTheTiming() throws Exception {
    long id = post("{\"action\": \"stop\", \"cron\": \"0 * * * *\"}").body().path("id").asLong();
    String one = BASE + "/" + id;

    Answer off = call("PATCH", one, "{\"enabled\": false}");
    assertThat(off.status()).isEqualTo(200);
    assertThat(off.body().path("enabled").asBoolean()).isFalse();
    assertThat(off.body().path("nextRun").isNull()).isTrue();
    assertThat(off.body().path("nextRuns")).isEmpty();
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();

    Answer on =
        call(
            "PATCH",
            one,
            "{\"enabled\": true, \"cron\": \"30 2 * * *\", \"timeZone\": \"America/New_York\","
                + " \"misfire\": \"skip\"}");
    assertThat(on.status()).isEqualTo(200);
    assertThat(on.body().path("cron").asText()).isEqualTo("30 2 * * *");
    assertThat(on.body().path("timeZone").asText()).isEqualTo("America/New_York");
    assertThat(on.body().path("misfire").asText()).isEqualTo("skip");
    assertThat(on.body().path("nextRun").asText()).isEqualTo("2026-01-01T07:30:00Z");

    Answer once = call("PATCH", one, "{\"at\": \"2026-01-02T00:00:00Z\"}");
    assertThat(once.body().path("cron").isNull()).isTrue();
    assertThat(once.body().path("at").asText()).isEqualTo("2026-01-02T00:00:00Z");
    assertThat(once.body().path("nextRun").asText()).isEqualTo("2026-01-02T00:00:00Z");
    assertThat(call("GET", one, null).body()).isEqualTo(once.body());
  }

  @Test
  void patchRefusesInvalidChangesAndChangesNothing() throws Exception {
    JsonNode before = post("{\"action\": \"stop\", \"cron\": \"0 * * * *\"}").body();
    String one = BASE + "/" + before.path("id").asLong();

    assertInvalid(call("PATCH", one, "{\"action\": \"start\"}"), "action");
    assertInvalid(call("PATCH", one, "{\"cron\": \"0 0 31 4 *\"}"), "cron");
    assertInvalid(
        call("PATCH", one, "{\"cron\": \"* * * * *\", \"at\": \"2026-02-01T00:00:00Z\"}"), "at");
    assertInvalid(call("PATCH", one, "{\"at\": \"2025-01-01T00:00:00Z\"}"), "at");
    assertInvalid(call("PATCH", one, "{\"updateMode\": \"full\"}"), "updateMode");
    assertInvalid(call("PATCH", one, "{\"timeZone\": \"CEST+\"}"), "timeZone");
    assertInvalid(call("PATCH", one, "{\"enabled\": 1}"), "enabled");
    assertInvalid(call("PATCH", one, "{\"misfire\": \"never\"}"), "misfire");
    assertInvalid(call("PATCH", one, "{\"nextRun\": \"2026-02-01T00:00:00Z\"}"), "nextRun");

    assertThat(call("GET", one, null).body()).isEqualTo(before);
  }

  @Test
  void aFiredOneShotNeedsANewTimeToBeEnabledAgain() throws Exception {
    long id =
        post("{\"action\": \"start\", \"at\": \"2026-01-01T00:00:10Z\"}")
            .body()
            .path("id")
            .asLong();
    clock.advance(Duration.ofSeconds(10));
    scheduler.runDue();
    String one = BASE + "/" + id;

    JsonNode fired = call("GET", one, null).body();
    assertThat(fired.path("enabled").asBoolean()).isFalse();
    assertThat(fired.path("lastRun").asText()).isEqualTo("2026-01-01T00:00:10Z");
    assertThat(fired.path("lastResult").path("status").asText()).isEqualTo("succeeded");
    assertThat(fired.path("lastResult").path("detail").isNull()).isTrue();

    assertInvalid(call("PATCH", one, "{\"enabled\": true}"), "at");
    Answer again = call("PATCH", one, "{\"enabled\": true, \"at\": \"2026-01-01T01:00:00Z\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().path("nextRun").asText()).isEqualTo("2026-01-01T01:00:00Z");
    assertThat(again.body().path("lastResult").path("status").asText()).isEqualTo("succeeded");
  }

  @Test
  void deleteRemovesTheSchedule() throws Exception {
    long id = post("{\"action\": \"stop\", \"cron\": \"0 * * * *\"}").body().path("id").asLong();
    String one = BASE + "/" + id;

    Answer deleted = call("DELETE", one, null);
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(call("GET", one, null).status()).isEqualTo(404);
    assertThat(call("DELETE", one, null).status()).isEqualTo(404);
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
  }

  @Test
  void v1StopsAreListedAsV1OneShots() throws Exception {
    scheduler.scheduleStop(CAMP, T0.plusSeconds(600));

    JsonNode item = call("GET", BASE, null).body().path("items").get(0);
    assertThat(item.path("action").asText()).isEqualTo("stop");
    assertThat(item.path("origin").asText()).isEqualTo("v1");
    assertThat(item.path("at").asText()).isEqualTo("2026-01-01T00:10:00Z");
    assertThat(item.path("nextRun").asText()).isEqualTo("2026-01-01T00:10:00Z");
  }
}
