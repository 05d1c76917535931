package dev.peon.orc.event;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process publish/subscribe of {@link Event}s with a bounded replay buffer, so a client that
 * reconnects gets what it missed. Listeners must not block: they are called on the publisher's
 * thread.
 */
public final class EventBus {
  private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
  public static final int DEFAULT_CAPACITY = 1000;

  private final Clock clock;
  private final int capacity;
  private final Deque<Event> buffer = new ArrayDeque<>();
  private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
  private long nextId = 1;

  public EventBus(Clock clock, int capacity) {
    this.clock = clock;
    this.capacity = capacity;
  }

  public EventBus(Clock clock) {
    this(clock, DEFAULT_CAPACITY);
  }

  /** Publishes an event to every listener and the replay buffer. */
  public Event publish(String type, String server, Map<String, Object> data) {
    Event e;
    synchronized (buffer) {
      e = new Event(nextId++, type, server, data, clock.instant());
      buffer.addLast(e);
      if (buffer.size() > capacity) {
        buffer.removeFirst();
      }
      // delivered inside the lock so every listener sees events in id order
      for (Consumer<Event> l : listeners) {
        try {
          l.accept(e);
        } catch (RuntimeException ex) {
          LOG.atWarn().addKeyValue("type", type).log("event listener failed: " + ex);
        }
      }
    }
    return e;
  }

  /** The result of a subscription: what was missed, and whether some of it is lost. */
  public record Replay(List<Event> missed, boolean gap) {}

  /**
   * Subscribes; atomically returns the buffered events after {@code lastSeenId} (0 = none) so no
   * event falls between replay and live delivery.
   */
  public Replay subscribe(long lastSeenId, Consumer<Event> listener) {
    synchronized (buffer) {
      List<Event> missed = new ArrayList<>();
      boolean gap = false;
      if (lastSeenId > 0) {
        Event first = buffer.peekFirst();
        gap = first != null ? first.id() > lastSeenId + 1 : lastSeenId + 1 < nextId;
        for (Event e : buffer) {
          if (e.id() > lastSeenId) {
            missed.add(e);
          }
        }
      }
      listeners.add(listener);
      return new Replay(missed, gap);
    }
  }

  public void unsubscribe(Consumer<Event> listener) {
    listeners.remove(listener);
  }

  /** The last id published, 0 if none. */
  public long lastId() {
    synchronized (buffer) {
      return nextId - 1;
    }
  }
}
