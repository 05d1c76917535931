package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.LogLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many running containers, each with its log followed and many with a stdin attach open: more
 * long-lived streams than the old shared pool of 64 connections had. Short calls (create, start,
 * inspect, list, stop, remove) must still be answered, because streams and short calls never share
 * a pool. The timeout only guards against a hang (the old pool made every call wait 3 min).
 */
class EngineScaleIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String PREFIX = "peon-scale-" + RUN + "-";
  private static final Map<String, String> LABELS = Map.of("peon.test.scale", RUN);
  private static final int CONTAINERS = 80;
  private static final int ATTACHES = 30;
  private static final Duration SOON = Duration.ofSeconds(30);

  private static final Queue<String> created = new ConcurrentLinkedQueue<>();
  private static DockerContainerRuntime runtime;
  private static String image;

  @BeforeAll
  static void connect() {
    TestDocker.closeQuietly(TestDocker.client());
    runtime = new DockerContainerRuntime(TestDocker.host());
    image = TestImages.fakeGame();
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (runtime == null) {
      return;
    }
    try (var pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> removals = new ArrayList<>();
      for (String name : created) {
        removals.add(pool.submit(() -> runtime.remove(name)));
      }
      for (Future<?> f : removals) {
        f.get();
      }
    }
    runtime.close();
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void answersShortCallsWhileMoreStreamsAreOpenThanTheOldPoolHadConnections() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < CONTAINERS; i++) {
      names.add(PREFIX + i);
    }
    // create and start in a few threads: the engine is shared with other test runs
    try (var pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> starts = new ArrayList<>();
      for (String name : names) {
        starts.add(
            pool.submit(
                () -> {
                  created.add(name);
                  runtime.create(spec(name));
                  runtime.start(name);
                }));
      }
      for (Future<?> f : starts) {
        f.get();
      }
    }
    List<ContainerRuntime.Subscription> follows = new ArrayList<>();
    List<ContainerRuntime.StdinWriter> stdins = new ArrayList<>();
    Set<String> greeted = ConcurrentHashMap.newKeySet();
    try {
      for (String name : names) {
        follows.add(
            runtime.followLogs(
                name,
                null,
                (LogLine l) -> {
                  if (l.text().startsWith("fakegame")) {
                    greeted.add(name);
                  }
                },
                cause -> {}));
      }
      for (String name : names.subList(0, ATTACHES)) {
        stdins.add(runtime.openStdin(name));
      }
      Polling.await("every follow delivers", SOON, () -> greeted.size() == CONTAINERS);
      assertThat(runtime.connectionsInUse().get("stream"))
          .as("each follow and attach holds a stream connection")
          .isGreaterThanOrEqualTo(CONTAINERS + ATTACHES);
      assertThat(runtime.connectionsInUse().get("control")).isLessThan(CONTAINERS);

      // short calls are answered while all those streams are open
      for (String name : names) {
        assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
      }
      assertThat(runtime.list(LABELS)).hasSize(CONTAINERS);
      String extra = PREFIX + "extra";
      created.add(extra);
      runtime.create(spec(extra));
      runtime.start(extra);
      assertThat(runtime.inspect(extra).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
      runtime.stop(extra, Duration.ofSeconds(5));
      assertThat(runtime.inspect(extra).orElseThrow().state()).isEqualTo(ContainerState.EXITED);
      runtime.remove(extra);
      assertThat(runtime.inspect(extra)).isEmpty();

      // and one more stream still opens: a command reaches a game through a new attach
      String last = names.getLast();
      try (var stdin = runtime.openStdin(last)) {
        stdin.writeLine("still here");
        Polling.await(
            "the echo",
            SOON,
            () ->
                runtime.logs(last, null, 5).stream()
                    .anyMatch(l -> l.text().equals("echo: still here")));
      }
    } finally {
      stdins.forEach(ContainerRuntime.StdinWriter::close);
      follows.forEach(ContainerRuntime.Subscription::close);
    }
    Polling.await(
        "stream connections given back", SOON, () -> runtime.connectionsInUse().get("stream") == 0);
  }

  private static ContainerSpec spec(String name) {
    return new ContainerSpec(
        name, null, image, List.of(), List.of(), List.of(), "1000:1000", LABELS, null, true);
  }
}
