package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A subscription to the engine's container events; reports a dropped stream once. */
final class EventStream implements ContainerRuntime.Subscription {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

  /** Actor attributes the engine adds next to the container's labels. */
  private static final Set<String> ENGINE_ATTRIBUTES =
      Set.of("name", "image", "exitCode", "signal");

  private final Consumer<RuntimeEvent> listener;
  private final Consumer<Throwable> onError;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean reported = new AtomicBoolean();
  private final ResultCallback.Adapter<Event> callback = new Callback();

  EventStream(Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    this.listener = listener;
    this.onError = onError;
  }

  ResultCallback.Adapter<Event> callback() {
    return callback;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeCallback();
    }
  }

  /** Our event for an engine event, empty for events we do not pass on (non-container, exec). */
  static Optional<RuntimeEvent> toRuntimeEvent(Event event) {
    if (event.getType() != null && event.getType() != EventType.CONTAINER) {
      return Optional.empty();
    }
    String action = event.getAction() != null ? event.getAction() : event.getStatus();
    if (action == null || action.startsWith("exec_")) {
      return Optional.empty();
    }
    Map<String, String> attributes =
        event.getActor() != null && event.getActor().getAttributes() != null
            ? event.getActor().getAttributes()
            : Map.of();
    Map<String, String> labels = new HashMap<>();
    attributes.forEach(
        (key, value) -> {
          if (!ENGINE_ATTRIBUTES.contains(key) && value != null) {
            labels.put(key, value);
          }
        });
    String id = event.getActor() != null ? event.getActor().getId() : event.getId();
    return Optional.of(
        new RuntimeEvent(kindOf(action), id, attributes.get("name"), labels, timeOf(event)));
  }

  static RuntimeEvent.Kind kindOf(String action) {
    return switch (action.toLowerCase(Locale.ROOT)) {
      case "create" -> RuntimeEvent.Kind.CREATE;
      case "start" -> RuntimeEvent.Kind.START;
      case "die" -> RuntimeEvent.Kind.DIE;
      case "stop" -> RuntimeEvent.Kind.STOP;
      case "kill" -> RuntimeEvent.Kind.KILL;
      case "pause" -> RuntimeEvent.Kind.PAUSE;
      case "unpause" -> RuntimeEvent.Kind.UNPAUSE;
      case "oom" -> RuntimeEvent.Kind.OOM;
      case "destroy" -> RuntimeEvent.Kind.DESTROY;
      default -> RuntimeEvent.Kind.OTHER;
    };
  }

  private static Instant timeOf(Event event) {
    if (event.getTimeNano() != null) {
      return Instant.ofEpochSecond(0, event.getTimeNano());
    }
    if (event.getTime() != null) {
      return Instant.ofEpochSecond(event.getTime());
    }
    return Instant.now();
  }

  private void dropped(Throwable cause) {
    if (closed.get() || !reported.compareAndSet(false, true)) {
      return;
    }
    LOG.atWarn().setCause(cause).log("Docker event stream dropped");
    onError.accept(Failures.classify(Failures.Operation.CALL, "events", cause));
  }

  private void closeCallback() {
    try {
      callback.close();
    } catch (IOException e) {
      LOG.atDebug().setCause(e).log("Closing the event stream failed");
    }
  }

  private final class Callback extends ResultCallback.Adapter<Event> {
    @Override
    public void onNext(Event event) {
      toRuntimeEvent(event).ifPresent(this::deliver);
    }

    private void deliver(RuntimeEvent event) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        LOG.atWarn()
            .addKeyValue("container", event.name())
            .addKeyValue("event", event.kind())
            .setCause(e)
            .log("Event listener failed");
      }
    }

    @Override
    public void onError(Throwable throwable) {
      closeCallback();
      dropped(throwable);
    }

    @Override
    public void onComplete() {
      closeCallback();
      dropped(new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "event stream ended"));
    }
  }
}
