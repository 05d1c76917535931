package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerStats;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsoleServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ServerId ID = ServerId.parse("valheim.camp1");
  private static final String NAME = ID.containerName();

  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final EventBus events = new EventBus(Clock.systemUTC());
  private ConsoleService console;

  /** Records frames; optionally blocks every send until released (a viewer that never reads). */
  static final class RecordingSink implements ViewerSink {
    final List<String> frames = new CopyOnWriteArrayList<>();
    final CountDownLatch release;
    volatile int closeCode;
    volatile String closeReason;

    RecordingSink(boolean blocking) {
      release = new CountDownLatch(blocking ? 1 : 0);
    }

    @Override
    public void send(String frame) throws IOException {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      frames.add(frame);
    }

    @Override
    public void flush() {}

    @Override
    public void close(int code, String reason) {
      closeCode = code;
      closeReason = reason;
    }

    List<JsonNode> ofType(String type) {
      return frames.stream()
          .map(ConsoleServiceTest::parse)
          .filter(m -> m.path("type").asText().equals(type))
          .toList();
    }

    List<String> texts() {
      return ofType("line").stream().map(m -> m.path("text").asText()).toList();
    }
  }

  private final ServerLookup lookup =
      new ServerLookup() {
        @Override
        public List<ServerId> all() {
          return List.of(ID);
        }

        @Override
        public boolean exists(ServerId id) {
          return id.equals(ID);
        }

        @Override
        public Optional<ContainerState> state(ServerId id) {
          return runtime.state(id.containerName());
        }

        @Override
        public Optional<ServerStats> stats(ServerId id) {
          return Optional.of(new ServerStats(Map.of(), 12.5, 1, 1024, 0, 0, 3));
        }
      };

  @BeforeEach
  void setUp() {
    runtime.addImage("game:1", Map.of());
    runtime.create(
        new ContainerSpec(
            NAME, NAME, "game:1", List.of(), List.of(), List.of(), null, Map.of(), null, true));
  }

  @AfterEach
  void tearDown() {
    if (console != null) {
      console.close();
    }
  }

  private ConsoleService start(ConsoleSettings settings) {
    console = new ConsoleService(runtime, lookup, events, Clock.systemUTC(), settings);
    console.start();
    return console;
  }

  private void startServer() {
    runtime.start(NAME);
    events.publish(
        "server.state", ID.uid(), Map.of("server", ID.uid(), "from", "exited", "to", "running"));
  }

  /** Attaches a viewer and waits until its server's log is followed. */
  private Viewer watch(RecordingSink sink, Viewer.Format format, int history) {
    Viewer v = console.attach(ID, sink, format, history);
    await(() -> runtime.logFollowerCount(NAME) == 1);
    return v;
  }

  @Test
  void recordsOutputAndStreamsItToViewersAfterTheHistory() {
    start(ConsoleSettings.defaults());
    runtime.start(NAME);
    runtime.print(NAME, LogLine.Stream.STDOUT, "before anyone watched");
    events.publish("server.state", ID.uid(), Map.of("server", ID.uid(), "to", "running"));
    RecordingSink sink = new RecordingSink(false);
    watch(sink, Viewer.Format.V2, 100);
    runtime.print(NAME, LogLine.Stream.STDERR, "live");
    await(() -> sink.texts().contains("live"));
    assertThat(sink.texts()).containsExactly("before anyone watched", "live");
    JsonNode live = sink.ofType("line").get(1);
    assertThat(live.get("stream").asText()).isEqualTo("stderr");
    assertThat(live.get("source").asText()).isEqualTo("game");
    assertThat(live.get("seq").asLong()).isEqualTo(2);
    assertThat(sink.ofType("state").getFirst().get("state").asText()).isEqualTo("running");
  }

  @Test
  void sendsCommandsToStdinAndRefusesBadOnes() {
    start(ConsoleSettings.defaults());
    startServer();
    console.command(ID, "say hello");
    assertThat(runtime.stdinLines(NAME)).containsExactly("say hello");
    assertThat(console.lines(ID, null, 10))
        .extracting(ConsoleLine::text)
        .contains("echo: say hello");
    assertThatThrownBy(() -> console.command(ID, "two\nlines"))
        .isInstanceOfSatisfying(
            ConsoleException.class,
            e -> assertThat(e.kind()).isEqualTo(ConsoleException.Kind.INVALID));
    assertThatThrownBy(() -> console.command(ServerId.parse("valheim.nope"), "x"))
        .isInstanceOfSatisfying(
            ConsoleException.class,
            e -> assertThat(e.kind()).isEqualTo(ConsoleException.Kind.NOT_FOUND));
    runtime.stop(NAME, Duration.ZERO);
    assertThatThrownBy(() -> console.command(ID, "x"))
        .isInstanceOfSatisfying(
            ConsoleException.class,
            e -> assertThat(e.kind()).isEqualTo(ConsoleException.Kind.NOT_RUNNING));
  }

  @Test
  void reopensStdinAfterARestartOfTheServer() {
    start(ConsoleSettings.defaults());
    startServer();
    console.command(ID, "one");
    runtime.stop(NAME, Duration.ZERO);
    startServer();
    console.command(ID, "two");
    assertThat(runtime.stdinLines(NAME)).containsExactly("one", "two");
  }

  @Test
  void aReFollowNeitherLosesNorDoublesLines() {
    start(ConsoleSettings.defaults());
    startServer();
    watch(new RecordingSink(false), Viewer.Format.V2, 0);
    Instant second =
        Instant.now().plusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    runtime.print(NAME, new LogLine(second.plusMillis(100), LogLine.Stream.STDOUT, "a"));
    runtime.print(NAME, new LogLine(second.plusMillis(200), LogLine.Stream.STDOUT, "b"));
    // the stream drops while the server runs; the engine replays from the whole second
    runtime.dropLogStreams(NAME, new RuntimeException("connection reset"));
    runtime.print(NAME, new LogLine(second.plusMillis(300), LogLine.Stream.STDOUT, "c"));
    await(() -> runtime.logFollowerCount(NAME) == 1);
    // the fake hands a new follower its backlog after registering it, on the follower's thread: a
    // line printed before that replay is read could overtake it and push the replay out as old
    await(() -> console.lines(ID, null, 100).size() >= 3);
    runtime.print(NAME, new LogLine(second.plusMillis(400), LogLine.Stream.STDOUT, "d"));
    await(() -> console.lines(ID, null, 100).size() >= 4);
    assertThat(console.lines(ID, null, 100))
        .extracting(ConsoleLine::text)
        .containsExactly("a", "b", "c", "d");
  }

  @Test
  void refillsHistoryFromTheLogTailAfterAnOrchestratorRestart() {
    runtime.start(NAME);
    for (int i = 0; i < 1500; i++) {
      runtime.print(NAME, new LogLine(Instant.EPOCH.plusMillis(i), LogLine.Stream.STDOUT, "l" + i));
    }
    start(ConsoleSettings.defaults());
    assertThat(console.lines(ID, null, 1000)).hasSize(1000);
    runtime.print(
        NAME, new LogLine(Instant.EPOCH.plusMillis(1500), LogLine.Stream.STDOUT, "l1500"));
    List<String> texts = console.lines(ID, null, 1000).stream().map(ConsoleLine::text).toList();
    assertThat(texts)
        .hasSize(1000)
        .startsWith("l501")
        .endsWith("l1499", "l1500")
        .doesNotHaveDuplicates();
    assertThat(runtime.logFollowerCount(NAME)).isZero();
  }

  @Test
  void costsNoStreamForRunningServersNobodyWatchesOrTypesInto() {
    List<ServerId> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ServerId id = ServerId.parse("quiet.s" + i);
      ids.add(id);
      runtime.create(
          new ContainerSpec(
              id.containerName(),
              null,
              "game:1",
              List.of(),
              List.of(),
              List.of(),
              null,
              Map.of(),
              null,
              true));
      runtime.start(id.containerName());
      runtime.print(id.containerName(), LogLine.Stream.STDOUT, "hello from " + i);
    }
    console =
        new ConsoleService(
            runtime, lookupOf(ids), events, Clock.systemUTC(), ConsoleSettings.defaults());
    console.start();
    for (ServerId id : ids) {
      events.publish("server.state", id.uid(), Map.of("server", id.uid(), "to", "running"));
    }
    // the history is still there when asked for, read from the log tail
    assertThat(console.lines(ids.get(7), null, 10))
        .extracting(ConsoleLine::text)
        .containsExactly("hello from 7");
    console.tick();
    assertThat(ids).allMatch(id -> runtime.logFollowerCount(id.containerName()) == 0);
    assertThat(runtime.calls())
        .noneMatch(c -> c.startsWith("followLogs") || c.startsWith("openStdin"));
  }

  @Test
  void followsWhileWatchedAndLetsTheStreamGoWhenTheLastViewerLeft() {
    start(ConsoleSettings.defaults().withIdle(Duration.ZERO, Duration.ofMinutes(1)));
    startServer();
    RecordingSink sink = new RecordingSink(false);
    Viewer v = watch(sink, Viewer.Format.V2, 0);
    runtime.print(NAME, LogLine.Stream.STDOUT, "watched");
    await(() -> sink.texts().contains("watched"));
    console.tick();
    assertThat(runtime.logFollowerCount(NAME)).as("still watched").isEqualTo(1);
    v.detach();
    console.tick();
    await(() -> runtime.logFollowerCount(NAME) == 0);
    runtime.print(NAME, LogLine.Stream.STDOUT, "unwatched");
    assertThat(console.lines(ID, null, 10))
        .extracting(ConsoleLine::text)
        .containsExactly("watched", "unwatched");
    // a new viewer follows again, from where the history stands
    RecordingSink again = new RecordingSink(false);
    watch(again, Viewer.Format.V2, 10);
    runtime.print(NAME, LogLine.Stream.STDOUT, "live again");
    await(() -> again.texts().contains("live again"));
    assertThat(again.texts()).containsExactly("watched", "unwatched", "live again");
  }

  @Test
  void closesAnIdleStdinAttachAndReopensItForTheNextCommand() {
    start(ConsoleSettings.defaults().withIdle(Duration.ofSeconds(30), Duration.ZERO));
    startServer();
    console.command(ID, "first");
    assertThat(runtime.openStdinCount(NAME)).isEqualTo(1);
    console.tick();
    await(() -> runtime.openStdinCount(NAME) == 0);
    console.command(ID, "second");
    assertThat(runtime.stdinLines(NAME)).containsExactly("first", "second");
  }

  @Test
  void streamsTheDownloadAndRefusesOneTooMany() throws Exception {
    ConsoleSettings d = ConsoleSettings.defaults();
    start(
        new ConsoleSettings(
            d.historyLines(),
            d.linesPerSecond(),
            d.lineBurst(),
            d.viewerQueue(),
            d.commandsPerSecond(),
            d.abuseLimit(),
            d.statsInterval(),
            d.followLinger(),
            d.stdinIdle(),
            1));
    startServer();
    runtime.print(NAME, LogLine.Stream.STDOUT, "one");
    runtime.print(NAME, LogLine.Stream.STDERR, "two");
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> got = new CopyOnWriteArrayList<>();
    Thread slow =
        Thread.ofVirtual()
            .start(
                () ->
                    console.download(
                        ID,
                        l -> {
                          got.add(l.text());
                          reading.countDown();
                          try {
                            release.await();
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        }));
    reading.await();
    assertThatThrownBy(() -> console.download(ID, l -> {}))
        .isInstanceOfSatisfying(
            ConsoleException.class,
            e -> assertThat(e.kind()).isEqualTo(ConsoleException.Kind.RATE_LIMITED));
    release.countDown();
    slow.join();
    assertThat(got).containsExactly("one", "two");
    List<String> again = new CopyOnWriteArrayList<>();
    console.download(ID, l -> again.add(l.text()));
    assertThat(again).containsExactly("one", "two");
  }

  @Test
  void makesNoConsoleForEventsAboutUnknownServers() {
    start(ConsoleSettings.defaults());
    events.publish(
        "server.state", "valheim.gone", Map.of("server", "valheim.gone", "to", "running"));
    events.publish(
        "operation",
        "valheim.gone",
        Map.of("id", "op_9", "kind", "power.start", "server", "valheim.gone", "status", "running"));
    console.lines(ID, null, 1);
    await(() -> console.totals().get("servers") == 1L);
    assertThat(console.totals().get("servers")).isEqualTo(1L);
  }

  @Test
  void marksTheOrchestratorsOwnLines() {
    start(ConsoleSettings.defaults());
    startServer();
    RecordingSink sink = new RecordingSink(false);
    watch(sink, Viewer.Format.V2, 0);
    events.publish(
        "operation",
        ID.uid(),
        Map.of("id", "op_1", "kind", "power.stop", "server", ID.uid(), "status", "running"));
    await(() -> !sink.ofType("line").isEmpty());
    JsonNode line = sink.ofType("line").getFirst();
    assertThat(line.get("source").asText()).isEqualTo("orchestrator");
    assertThat(line.get("text").asText()).contains("stopping the server");
  }

  @Test
  void closesViewersCleanlyWhenTheServerStopsAndAtOnceWhenNotRunning() {
    start(ConsoleSettings.defaults());
    startServer();
    RecordingSink sink = new RecordingSink(false);
    watch(sink, Viewer.Format.V2, 0);
    runtime.print(NAME, LogLine.Stream.STDOUT, "last words");
    runtime.stop(NAME, Duration.ZERO);
    await(() -> sink.closeCode == 1000);
    assertThat(sink.closeReason).isEqualTo("server stopped");
    assertThat(sink.texts()).containsExactly("last words");
    assertThat(parse(sink.frames.getLast()).get("state").asText()).isEqualTo("exited");
    RecordingSink late = new RecordingSink(false);
    console.attach(ID, late, Viewer.Format.V2, 10);
    await(() -> late.closeCode == 1000);
    assertThat(late.texts()).containsExactly("last words");
  }

  @Test
  void aViewerThatNeverReadsLosesItsOldestMessagesWithoutHoldingUpTheServerOrOthers() {
    start(settings(1_000_000, 1_000_000, 100));
    startServer();
    RecordingSink stuck = new RecordingSink(true);
    RecordingSink reader = new RecordingSink(false);
    watch(stuck, Viewer.Format.V2, 0);
    watch(reader, Viewer.Format.V2, 0);
    for (int i = 0; i < 5000; i++) {
      runtime.print(NAME, LogLine.Stream.STDOUT, "line " + i);
    }
    await(() -> reader.texts().size() + droppedCount(reader) >= 5000);
    stuck.release.countDown();
    await(() -> !stuck.ofType("dropped").isEmpty());
    long dropped = droppedCount(stuck);
    await(() -> stuck.texts().size() + droppedCount(stuck) >= 5000);
    // at most one batch in hand plus the outbox got through; everything else was dropped
    assertThat(dropped).isGreaterThanOrEqualTo(5000 - 100 - 512 - 2);
    assertThat(stuck.texts().size()).isLessThanOrEqualTo(100 + 512 + 2);
    assertThat(reader.texts().getLast()).isEqualTo("line 4999");
    assertThat(stuck.texts().getLast()).isEqualTo("line 4999");
  }

  @Test
  void throttlesLiveOutputWithANoticeButKeepsItAllInTheHistory() {
    start(settings(10, 10, 10_000));
    startServer();
    RecordingSink sink = new RecordingSink(false);
    watch(sink, Viewer.Format.V2, 0);
    for (int i = 0; i < 500; i++) {
      runtime.print(NAME, LogLine.Stream.STDOUT, "spam " + i);
    }
    assertThat(console.lines(ID, null, 1000)).hasSize(500);
    await(() -> !sink.ofType("throttled").isEmpty());
    assertThat(sink.texts().size()).isLessThan(100);
    assertThat(sink.ofType("throttled").getFirst().get("skipped").asLong()).isPositive();
  }

  @Test
  void disconnectsAViewerThatFloodsCommands() {
    start(ConsoleSettings.defaults());
    startServer();
    RecordingSink sink = new RecordingSink(false);
    Viewer v = console.attach(ID, sink, Viewer.Format.V2, 0);
    for (int i = 0; i < 100 && sink.closeCode == 0; i++) {
      v.receive("{\"type\":\"command\",\"text\":\"c" + i + "\"}");
    }
    assertThat(sink.closeCode).isEqualTo(1008);
    assertThat(runtime.stdinLines(NAME).size()).isBetween(1, 11);
  }

  @Test
  void speaksThePeonV1FormatAndTakesTextFramesAsCommands() {
    start(ConsoleSettings.defaults());
    startServer();
    RecordingSink sink = new RecordingSink(false);
    Viewer v = watch(sink, Viewer.Format.V1, 0);
    v.receive("say hi");
    await(() -> sink.frames.stream().anyMatch(f -> f.contains("echo: say hi")));
    assertThat(sink.frames).allMatch(f -> parse(f).path("type").asText().equals("log"));
    assertThat(sink.frames).contains("{\"type\":\"log\",\"data\":\"echo: say hi\"}");
  }

  private static ConsoleSettings settings(double linesPerSecond, int burst, int viewerQueue) {
    ConsoleSettings d = ConsoleSettings.defaults();
    return new ConsoleSettings(
        d.historyLines(),
        linesPerSecond,
        burst,
        viewerQueue,
        d.commandsPerSecond(),
        d.abuseLimit(),
        Duration.ofHours(1),
        d.followLinger(),
        d.stdinIdle(),
        d.maxDownloads());
  }

  private ServerLookup lookupOf(List<ServerId> ids) {
    return new ServerLookup() {
      @Override
      public List<ServerId> all() {
        return ids;
      }

      @Override
      public boolean exists(ServerId id) {
        return ids.contains(id);
      }

      @Override
      public Optional<ContainerState> state(ServerId id) {
        return runtime.state(id.containerName());
      }

      @Override
      public Optional<ServerStats> stats(ServerId id) {
        return Optional.empty();
      }
    };
  }

  private static long droppedCount(RecordingSink s) {
    return s.ofType("dropped").stream().mapToLong(m -> m.get("count").asLong()).sum();
  }

  static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new AssertionError(s, e);
    }
  }

  private static void await(BooleanSupplier condition) {
    // generous: on a loaded 2-core CI machine a re-follow (1 s retry) once took over 10 s
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
