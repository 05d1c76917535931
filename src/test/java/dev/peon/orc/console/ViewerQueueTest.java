package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewerQueueTest {

  @Test
  void dropsTheOldestAndCountsWhenFull() throws Exception {
    ViewerQueue<Integer> q = new ViewerQueue<>(3);
    for (int i = 1; i <= 10; i++) {
      q.offer(i);
    }
    List<Integer> out = new ArrayList<>();
    assertThat(q.drainTo(out, 100, 0)).isEqualTo(7);
    assertThat(out).containsExactly(8, 9, 10);
    assertThat(q.drainTo(out, 100, 0)).as("the count is reported once").isZero();
    assertThat(q.droppedTotal()).isEqualTo(7);
  }

  @Test
  void longLinesAreBoundedByWeightNotOnlyByCount() throws Exception {
    // 4,096 slots, but lines of 64 KiB: the weight budget (1 MiB of text) decides
    ViewerQueue<String> q = new ViewerQueue<>(4096, 1L << 20, String::length);
    String line = "x".repeat(64 * 1024);
    for (int i = 0; i < 100; i++) {
      q.offer(line);
    }
    assertThat(q.size()).isEqualTo(16);
    java.util.List<String> out = new java.util.ArrayList<>();
    assertThat(q.drainTo(out, 1000, 0)).isEqualTo(84);
    assertThat(out).hasSize(16);
    // a single item over the whole budget is still delivered (never an empty outbox)
    q.offer("y".repeat(2 << 20));
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void drainsInBatchesAndWaitsForTheFirstItem() throws Exception {
    ViewerQueue<Integer> q = new ViewerQueue<>(100);
    for (int i = 0; i < 10; i++) {
      q.offer(i);
    }
    List<Integer> out = new ArrayList<>();
    q.drainTo(out, 4, 0);
    assertThat(out).containsExactly(0, 1, 2, 3);
    assertThat(q.size()).isEqualTo(6);
    ViewerQueue<String> empty = new ViewerQueue<>(1);
    Thread.ofVirtual().start(() -> empty.offer("late"));
    List<String> got = new ArrayList<>();
    empty.drainTo(got, 1, 5_000);
    assertThat(got).containsExactly("late");
  }

  @Test
  void aProducerNeverWaitsOnAQueueNobodyDrains() {
    ViewerQueue<Integer> q = new ViewerQueue<>(1000);
    long t0 = System.nanoTime();
    for (int i = 0; i < 1_000_000; i++) {
      q.offer(i);
    }
    assertThat(q.size()).isEqualTo(1000);
    assertThat(q.droppedTotal()).isEqualTo(999_000);
    assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
  }
}
