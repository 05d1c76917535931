package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.operation.Operation;
import dev.peon.orc.runtime.PullProgress;
import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PullTallyTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final PullTally tally = new PullTally(clock);

  @Test
  void sumsDownloadedBytesAndFinishedLayersOverEveryAnnouncedLayer() {
    tally.add(new PullProgress("latest", "Pulling from peon/slow", 0, 0));
    tally.add(new PullProgress("aaa", "Already exists", 0, 0));
    tally.add(new PullProgress("bbb", "Pulling fs layer", 0, 0));
    tally.add(new PullProgress("ccc", "Pulling fs layer", 0, 0));
    tally.add(new PullProgress("bbb", "Downloading", 300, 1000));
    Operation.Download d = tally.add(new PullProgress("ccc", "Downloading", 100, 3000));

    assertThat(d.bytesDone()).isEqualTo(400);
    assertThat(d.bytesTotal()).isEqualTo(4000);
    assertThat(d.layersDone()).isEqualTo(1);
    assertThat(d.layersTotal()).as("the tag line is no layer").isEqualTo(3);
    assertThat(PullTally.percent(d)).isEqualTo(10);
  }

  @Test
  void countsALayerDownloadedOnceCompleteAndDoneOncePulledWithoutCountingExtraction() {
    tally.add(new PullProgress("bbb", "Downloading", 500, 1000));
    Operation.Download complete = tally.add(new PullProgress("bbb", "Download complete", 0, 0));
    Operation.Download extracting = tally.add(new PullProgress("bbb", "Extracting", 10, 1000));
    Operation.Download pulled = tally.add(new PullProgress("bbb", "Pull complete", 0, 0));

    assertThat(complete.bytesDone()).isEqualTo(1000);
    assertThat(complete.layersDone()).isZero();
    assertThat(extracting.bytesDone()).isEqualTo(1000);
    assertThat(pulled.layersDone()).isEqualTo(1);
    assertThat(PullTally.percent(pulled)).as("100 only when the pull has ended").isEqualTo(99);
  }

  @Test
  void measuresTheRateOverTheLastSecondsOfTheInjectedClock() {
    Operation.Download first = tally.add(new PullProgress("bbb", "Downloading", 0, 10_000_000));
    clock.advance(Duration.ofSeconds(2));
    Operation.Download second =
        tally.add(new PullProgress("bbb", "Downloading", 2_000_000, 10_000_000));
    clock.advance(Duration.ofSeconds(10));
    tally.add(new PullProgress("bbb", "Downloading", 3_000_000, 10_000_000));
    clock.advance(Duration.ofSeconds(1));
    Operation.Download late =
        tally.add(new PullProgress("bbb", "Downloading", 4_000_000, 10_000_000));

    assertThat(first.bytesPerSecond()).isZero();
    assertThat(second.bytesPerSecond()).isEqualTo(1_000_000);
    assertThat(late.bytesPerSecond()).as("older samples leave the window").isEqualTo(1_000_000);
  }

  @Test
  void describesOnlyTheKnownParts() {
    assertThat(PullTally.describe(new Operation.Download(0, 0, 0, 0, 0))).isEmpty();
    assertThat(PullTally.describe(new Operation.Download(1536, 3 * 1024 * 1024, 1, 4, 2048)))
        .isEqualTo("1.5 KiB of 3.0 MiB, 1/4 layers, 2.0 KiB/s");
    assertThat(PullTally.percent(new Operation.Download(5, 0, 0, 2, 0))).isNull();
  }
}
