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
 * reconnects gets what it missed. Listeners of {@link #subscribe} must not block: they are called
 * on the publisher's thread, inside the bus lock; a listener that does I/O subscribes with {@link
 * #subscribeAsync}.
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

  /**
   * Subscribes a listener that may block (a database write, a file sync): events reach it in order
   * on a thread of its own, through a queue, so a publisher never waits for it and the bus lock is
   * never held during its I/O. At most {@code capacity} events wait; beyond that the newest are
   * dropped and counted in a WARN.
   */
  public AsyncSubscription subscribeAsync(String name, int capacity, Consumer<Event> listener) {
    AsyncSubscription sub = new AsyncSubscription(name, capacity, listener);
    Consumer<Event> ref = sub::offer;
    sub.listenerRef = ref;
    listeners.add(ref);
    sub.thread = Thread.ofVirtual().name("event-" + name).start(sub::drain);
    return sub;
  }

  /** A queued listener; {@link #close()} stops it after the events already queued. */
  public final class AsyncSubscription implements AutoCloseable {
    private final String name;
    private final java.util.concurrent.BlockingQueue<Event> queue;
    private final Consumer<Event> listener;
    private final java.util.concurrent.atomic.AtomicLong dropped =
        new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private Consumer<Event> listenerRef;
    private Thread thread;

    private AsyncSubscription(String name, int capacity, Consumer<Event> listener) {
      this.name = name;
      this.queue = new java.util.concurrent.LinkedBlockingQueue<>(capacity);
      this.listener = listener;
    }

    private void offer(Event e) {
      if (!closed && !queue.offer(e)) {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
          LOG.atWarn()
              .addKeyValue("listener", name)
              .addKeyValue("dropped", n)
              .log("event listener cannot keep up; events dropped");
        }
      }
    }

    private void drain() {
      while (!closed || !queue.isEmpty()) {
        Event e;
        try {
          e = queue.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          return;
        }
        if (e == null) {
          continue;
        }
        try {
          listener.accept(e);
        } catch (RuntimeException | Error ex) {
          LOG.atWarn()
              .addKeyValue("listener", name)
              .addKeyValue("type", e.type())
              .log("event listener failed: " + ex);
        }
      }
    }

    /** Events waiting to be handled. */
    public int pending() {
      return queue.size();
    }

    @Override
    public void close() {
      listeners.remove(listenerRef);
      closed = true;
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The last id published, 0 if none. */
  public long lastId() {
    synchronized (buffer) {
      return nextId - 1;
    }
  }
}
