package dev.peon.orc.console;

import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected console viewer: a bounded outbox drained by its own virtual thread (a viewer that
 * does not read only fills and overflows its own outbox), and a rate limit on what it sends.
 */
public final class Viewer {
  private static final Logger LOG = LoggerFactory.getLogger(Viewer.class);
  private static final int BATCH = 512;

  /** Close codes used by the console. */
  public static final int NORMAL = 1000;

  public static final int GOING_AWAY = 1001;
  public static final int POLICY = 1008;

  /** The wire format of a viewer. */
  public enum Format {
    /** Typed JSON messages of {@code /api/v2}. */
    V2,
    /** PEON web UI frames {@code {"type":"log","data":...}}; text frames in are commands. */
    V1
  }

  private record CloseRequest(int code, String reason) {}

  private final ConsoleService service;
  private volatile String actor = "anonymous";
  private final ServerId server;
  private final ViewerSink sink;
  private final Format format;
  private final ViewerQueue<Outbound> outbox;

  /** About 4 MiB of text per viewer at most, whatever the length of the lines. */
  static final long OUTBOX_CHARS = 2L * 1024 * 1024;

  private final TokenBucket inbound;
  private final int abuseLimit;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile CloseRequest closing;
  private volatile Thread drainer;
  private int refused;

  /** Who is typing, for the audit log. */
  void actor(String who) {
    this.actor = who;
  }

  Viewer(
      ConsoleService service,
      ServerId server,
      ViewerSink sink,
      Format format,
      ConsoleSettings settings,
      Clock clock) {
    this.service = service;
    this.server = server;
    this.sink = sink;
    this.format = format;
    this.outbox = new ViewerQueue<>(settings.viewerQueue(), OUTBOX_CHARS, Outbound::weight);
    this.inbound =
        new TokenBucket(
            clock, settings.commandsPerSecond(), Math.max(1, settings.commandsPerSecond()));
    this.abuseLimit = settings.abuseLimit();
  }

  ServerId server() {
    return server;
  }

  void start() {
    drainer = Thread.ofVirtual().name("console-viewer-" + server).start(this::drain);
  }

  void offer(Outbound message) {
    if (!closed.get()) {
      outbox.offer(message);
    }
  }

  long dropped() {
    return outbox.droppedTotal();
  }

  /** Sends what is queued, then closes with {@code code}. */
  void closeAfterDrain(int code, String reason) {
    closing = new CloseRequest(code, reason);
    outbox.offer(Outbound.notice("closing", "code", code, "reason", reason));
  }

  /** Closes at once, dropping what is queued. */
  void closeNow(int code, String reason) {
    if (closed.compareAndSet(false, true)) {
      sink.close(code, reason);
      stopDrainer();
      service.detach(this);
    }
  }

  /** The connection went away (closed by the peer or by us). */
  public void detach() {
    if (closed.compareAndSet(false, true)) {
      stopDrainer();
      service.detach(this);
    }
  }

  /** A frame from the viewer: rate-limited, validated, then acted on. */
  public void receive(String frame) {
    if (closed.get()) {
      return;
    }
    synchronized (this) {
      if (!inbound.tryTake()) {
        refuse("Too many messages: at most 10 per second.");
        return;
      }
    }
    try {
      Inbound message =
          format == Format.V2 ? Inbound.parse(frame) : new Inbound.Command(frame.strip());
      switch (message) {
        case Inbound.Command c -> service.typed(server, actor, c.text());
        case Inbound.History h -> offer(service.history(server, h.before(), h.limit()));
      }
    } catch (ConsoleException e) {
      if (e.kind() == ConsoleException.Kind.INVALID) {
        refuse(e.getMessage());
      } else {
        offer(Outbound.notice("error", "detail", e.getMessage()));
      }
    }
  }

  private void refuse(String detail) {
    int count;
    synchronized (this) {
      count = ++refused;
    }
    if (count > abuseLimit) {
      LOG.atWarn().addKeyValue("serverId", server).log("console viewer disconnected for abuse");
      closeNow(POLICY, "too many refused messages");
      return;
    }
    offer(Outbound.notice("error", "detail", detail));
  }

  private void stopDrainer() {
    Thread t = drainer;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
    }
  }

  private void drain() {
    List<Outbound> batch = new ArrayList<>(BATCH);
    try {
      while (!closed.get()) {
        batch.clear();
        long dropped = outbox.drainTo(batch, BATCH, 1000);
        boolean sent = false;
        if (dropped > 0) {
          sent |= send(Outbound.notice("dropped", "count", dropped));
        }
        for (Outbound o : batch) {
          sent |= send(o);
        }
        if (sent) {
          sink.flush();
        }
        CloseRequest c = closing;
        if (c != null && outbox.size() == 0) {
          if (closed.compareAndSet(false, true)) {
            sink.close(c.code(), c.reason());
            service.detach(this);
          }
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      LOG.atDebug().addKeyValue("serverId", server).log("console viewer gone: " + e);
      detach();
    }
  }

  private boolean send(Outbound o) throws IOException {
    if (o instanceof Outbound.Notice n && n.type().equals("closing")) {
      return false; // marks the end of the queue for closeAfterDrain; not sent
    }
    String frame = format == Format.V2 ? o.v2() : o.v1();
    if (frame == null) {
      return false;
    }
    sink.send(frame);
    return true;
  }
}
