package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.ExitStatus;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When two readings of a container mean that it ended in between. */
class ExitDetectionTest {
  private static final Instant T1 = Instant.parse("2026-12-01T00:00:00Z");
  private static final Instant T2 = Instant.parse("2026-12-01T00:01:00Z");

  private static ContainerInfo info(ContainerState state, Instant startedAt) {
    return new ContainerInfo(
        "c1",
        "peon.warcamp.g.n",
        "img",
        state,
        Map.of(),
        startedAt,
        state == ContainerState.EXITED ? new ExitStatus(1, false) : null);
  }

  @Test
  void aContainerSeenRunningThenExitedHasExited() {
    assertThat(
            ServerStateTracker.exitedSince(
                info(ContainerState.RUNNING, T1), info(ContainerState.EXITED, T1)))
        .isTrue();
    assertThat(
            ServerStateTracker.exitedSince(
                info(ContainerState.PAUSED, T1), info(ContainerState.DEAD, T1)))
        .isTrue();
  }

  @Test
  void aStartAndAnInstantCrashBetweenTwoReadingsIsAnExit() {
    assertThat(
            ServerStateTracker.exitedSince(
                info(ContainerState.CREATED, null), info(ContainerState.EXITED, T1)))
        .isTrue();
    assertThat(
            ServerStateTracker.exitedSince(
                info(ContainerState.EXITED, T1), info(ContainerState.EXITED, T2)))
        .isTrue();
  }

  @Test
  void nothingNewFirstReadingsAndRemovalsAreNoExit() {
    assertThat(
            ServerStateTracker.exitedSince(
                info(ContainerState.EXITED, T1), info(ContainerState.EXITED, T1)))
        .isFalse();
    assertThat(ServerStateTracker.exitedSince(null, info(ContainerState.EXITED, T1))).isFalse();
    assertThat(ServerStateTracker.exitedSince(info(ContainerState.RUNNING, T1), null)).isFalse();
    assertThat(
            ServerStateTracker.exitedSince(
                info(ContainerState.RUNNING, T1), info(ContainerState.RUNNING, T2)))
        .isFalse();
  }
}
