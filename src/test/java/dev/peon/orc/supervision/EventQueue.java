package dev.peon.orc.supervision;

import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Collects a bus's events so a test can wait for the next one of a type (bounded wait). */
final class EventQueue {
  private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
  private final List<Event> all = new ArrayList<>();

  EventQueue(EventBus bus) {
    bus.subscribe(
        0,
        e -> {
          synchronized (all) {
            all.add(e);
          }
          queue.add(e);
        });
  }

  /** The next event of {@code type} (others are skipped), waiting at most 10 s. */
  Event next(String type) {
    try {
      while (true) {
        Event e = queue.poll(10, TimeUnit.SECONDS);
        if (e == null) {
          throw new AssertionError("no " + type + " event within 10 s");
        }
        if (e.type().equals(type)) {
          return e;
        }
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ex);
    }
  }

  /** Every event of {@code type} published so far. */
  List<Event> all(String type) {
    synchronized (all) {
      return all.stream().filter(e -> e.type().equals(type)).toList();
    }
  }
}
