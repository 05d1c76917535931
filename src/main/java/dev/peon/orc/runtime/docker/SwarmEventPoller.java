package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.Task;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container events of a Swarm, made from task states. A manager's event stream carries only its own
 * node's container events, so the services and their tasks are listed (one call each) every {@code
 * interval} and each change becomes the event a single engine would have sent: {@code CREATE} for a
 * new service, {@code START} for a task that now runs (or a new start of ours), {@code DIE} for a
 * running task that ended or went away, {@code DESTROY} for a removed service. Events come at most
 * one interval late; a task that starts and ends between two listings shows as the new start only
 * (the reader learns the rest from its inspect).
 */
final class SwarmEventPoller implements ContainerRuntime.Subscription {
  private static final Logger LOG = LoggerFactory.getLogger(SwarmEventPoller.class);

  /**
   * What one listing shows of one service: its running task, its newest task whatever its state,
   * and its start label.
   */
  record Seen(
      String id,
      String name,
      Map<String, String> labels,
      String runningTask,
      String currentTask,
      String started) {
    Seen {
      labels = Map.copyOf(labels);
    }

    Seen(String id, String name, Map<String, String> labels, String runningTask, String started) {
      this(id, name, labels, runningTask, runningTask, started);
    }
  }

  /** One listing: the services (already filtered by label) and every task. */
  record Listing(List<Service> services, List<Task> tasks) {}

  private final Supplier<Listing> list;
  private final Duration interval;
  private final Consumer<RuntimeEvent> listener;
  private final Consumer<Throwable> onError;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Map<String, Seen> last;
  private Thread thread;

  SwarmEventPoller(
      Supplier<Listing> list,
      Duration interval,
      Consumer<RuntimeEvent> listener,
      Consumer<Throwable> onError) {
    this.list = list;
    this.interval = interval;
    this.listener = listener;
    this.onError = onError;
  }

  /** Takes the first listing (throws when the manager does not answer), then polls. */
  SwarmEventPoller start() {
    last = seen(list.get());
    thread = Thread.ofVirtual().name("swarm-events").start(this::run);
    return this;
  }

  private void run() {
    while (!closed.get()) {
      try {
        Thread.sleep(interval);
        Map<String, Seen> now = seen(list.get());
        if (closed.get()) {
          return;
        }
        for (RuntimeEvent event : diff(last, now, Instant.now())) {
          deliver(event);
        }
        last = now;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (closed.compareAndSet(false, true)) {
          LOG.atWarn().setCause(e).log("Swarm task polling failed");
          onError.accept(
              e instanceof RuntimeFailure failure
                  ? failure
                  : Failures.classify(Failures.Operation.CALL, "swarm events", e));
        }
        return;
      }
    }
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
  public void close() {
    closed.set(true);
    if (thread != null) {
      thread.interrupt();
    }
  }

  /** Each service of a listing as the events see it. */
  static Map<String, Seen> seen(Listing listing) {
    Map<String, List<Task>> byService = new HashMap<>();
    for (Task task : listing.tasks()) {
      if (task.getServiceId() != null) {
        byService.computeIfAbsent(task.getServiceId(), k -> new ArrayList<>()).add(task);
      }
    }
    Map<String, Seen> seen = new HashMap<>();
    for (Service service : listing.services()) {
      var info = SwarmTasks.toInfo(service, byService.getOrDefault(service.getId(), List.of()));
      Optional<Task> current =
          SwarmTasks.current(byService.getOrDefault(service.getId(), List.of()));
      String running = current.filter(SwarmTasks::running).map(Task::getId).orElse(null);
      String currentTask = current.map(Task::getId).orElse(null);
      Map<String, String> labels = service.getSpec() == null ? null : service.getSpec().getLabels();
      String started = labels == null ? null : labels.get(SwarmServices.STARTED_LABEL);
      seen.put(
          service.getId(),
          new Seen(service.getId(), info.name(), info.labels(), running, currentTask, started));
    }
    return seen;
  }

  /** The events between two listings, in a stable order. */
  static List<RuntimeEvent> diff(Map<String, Seen> before, Map<String, Seen> now, Instant at) {
    List<RuntimeEvent> events = new ArrayList<>();
    for (Seen service : now.values()) {
      Seen was = before.get(service.id());
      if (was == null) {
        events.add(event(RuntimeEvent.Kind.CREATE, service, at));
        if (service.runningTask() != null) {
          events.add(event(RuntimeEvent.Kind.START, service, at));
        }
        continue;
      }
      boolean taskChanged = !Objects.equals(was.runningTask(), service.runningTask());
      if (taskChanged && was.runningTask() != null) {
        events.add(event(RuntimeEvent.Kind.DIE, service, at));
      }
      // the start label is written once the task runs, so a listing may see it one poll after
      // the task it belongs to: it is a run of its own (one that started and ended between two
      // listings) only when no task runs now and the newest task is not the one seen running
      boolean newStart =
          !Objects.equals(was.started(), service.started())
              && service.runningTask() == null
              && (was.runningTask() == null || !was.runningTask().equals(service.currentTask()));
      if ((taskChanged && service.runningTask() != null) || newStart) {
        events.add(event(RuntimeEvent.Kind.START, service, at));
      }
    }
    for (Seen service : before.values()) {
      if (!now.containsKey(service.id())) {
        if (service.runningTask() != null) {
          events.add(event(RuntimeEvent.Kind.DIE, service, at));
        }
        events.add(event(RuntimeEvent.Kind.DESTROY, service, at));
      }
    }
    return events;
  }

  private static RuntimeEvent event(RuntimeEvent.Kind kind, Seen service, Instant at) {
    return new RuntimeEvent(kind, service.id(), service.name(), service.labels(), at);
  }
}
