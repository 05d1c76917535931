package dev.peon.orc.console;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A viewer's bounded outbox: offering never blocks; when full (by count, or by weight: about the
 * characters held) the oldest items are dropped and counted, so a slow viewer costs a fixed amount
 * of memory and never slows the producer, whatever the length of the lines (review M10).
 */
final class ViewerQueue<T> {
  private final int capacity;
  private final long maxWeight;
  private final java.util.function.ToLongFunction<T> weigher;
  private long weight;
  private final ArrayDeque<T> items;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  private long dropped;
  private long droppedTotal;

  ViewerQueue(int capacity) {
    this(capacity, Long.MAX_VALUE, item -> 0);
  }

  ViewerQueue(int capacity, long maxWeight, java.util.function.ToLongFunction<T> weigher) {
    if (capacity < 1 || maxWeight < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    this.maxWeight = maxWeight;
    this.weigher = weigher;
    this.items = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  void offer(T item) {
    lock.lock();
    try {
      long w = weigher.applyAsLong(item);
      while (!items.isEmpty() && (items.size() >= capacity || weight + w > maxWeight)) {
        weight -= weigher.applyAsLong(items.pollFirst());
        dropped++;
        droppedTotal++;
      }
      items.addLast(item); // the newest is always kept, even alone over the budget
      weight += w;
      available.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves up to {@code max} items into {@code out}, waiting up to {@code timeoutMillis} for the
   * first; returns how many were dropped since the last call (they came before {@code out}).
   */
  long drainTo(List<T> out, int max, long timeoutMillis) throws InterruptedException {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (items.isEmpty() && dropped == 0 && nanos > 0) {
        nanos = available.awaitNanos(nanos);
      }
      for (int i = 0; i < max && !items.isEmpty(); i++) {
        T item = items.pollFirst();
        weight -= weigher.applyAsLong(item);
        out.add(item);
      }
      long d = dropped;
      dropped = 0;
      return d;
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return items.size();
    } finally {
      lock.unlock();
    }
  }

  long droppedTotal() {
    lock.lock();
    try {
      return droppedTotal;
    } finally {
      lock.unlock();
    }
  }
}
