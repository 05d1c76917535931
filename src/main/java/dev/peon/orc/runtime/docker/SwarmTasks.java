package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.api.model.TaskStatus;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.ExitStatus;
import dev.peon.orc.runtime.RuntimeFailure;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a service and its tasks mean in our words: the state of the one container a server has, and
 * why a task did not start. Pure mapping, no engine calls.
 */
final class SwarmTasks {
  private static final Set<TaskState> ENDED =
      Set.of(
          TaskState.COMPLETE,
          TaskState.SHUTDOWN,
          TaskState.FAILED,
          TaskState.REJECTED,
          TaskState.REMOVE,
          TaskState.ORPHANED);

  private static final Set<String> OUR_LABELS =
      Set.of(
          SwarmServices.NAME_LABEL,
          SwarmServices.IMAGE_LABEL,
          SwarmServices.STARTED_LABEL,
          SwarmServices.PAUSED_LABEL);

  /** The scheduler's words for a task it cannot place because its host port is taken there. */
  private static final String HOST_PORT_TAKEN = "host-mode port already in use";

  private static final String NO_NODE = "no suitable node";
  private static final String NO_IMAGE = "no such image";
  private static final String START_FAILED = "starting container failed";

  private SwarmTasks() {}

  /**
   * Whether the manager refused an update because the service's version moved on: it answers a
   * plain 500 for that, so only its words tell.
   */
  static boolean outOfSequence(String message) {
    return lower(message).contains("update out of sequence");
  }

  /** The task standing for the service now: the newest one. */
  static Optional<Task> current(List<Task> tasks) {
    return tasks.stream()
        .max(
            Comparator.comparing((Task t) -> parseTime(t.getCreatedAt()), nullsFirst())
                .thenComparing(t -> t.getId() == null ? "" : t.getId()));
  }

  private static Comparator<Instant> nullsFirst() {
    return Comparator.nullsFirst(Comparator.naturalOrder());
  }

  /** The task's observed state, {@code null} when it has none yet. */
  static TaskState state(Task task) {
    return task.getStatus() == null ? null : task.getStatus().getState();
  }

  static boolean ended(Task task) {
    TaskState state = state(task);
    return state != null && ENDED.contains(state);
  }

  static boolean running(Task task) {
    return state(task) == TaskState.RUNNING;
  }

  /** The id of the task's container, null before the node created it. */
  static String containerId(Task task) {
    var status = task.getStatus();
    return status == null || status.getContainerStatus() == null
        ? null
        : status.getContainerStatus().getContainerID();
  }

  /**
   * True when the task ended after its process ran (it exited, or was shut down while running),
   * false when it never got that far (rejected, no node, the container did not start).
   */
  static boolean ranAndEnded(Task task) {
    if (!ended(task)) {
      return false;
    }
    TaskState state = state(task);
    if (state == TaskState.COMPLETE) {
      return true;
    }
    if (state == TaskState.REJECTED) {
      return false;
    }
    String err = lower(task.getStatus().getErr());
    if (state == TaskState.FAILED) {
      return !err.contains(START_FAILED) && !err.contains(NO_IMAGE);
    }
    String message = lower(task.getStatus().getMessage());
    return message.equals("shutdown") || message.equals("started") || message.equals("finished");
  }

  /**
   * Why a task will not run, when it will not: ended without having run, or pending because no node
   * can take it. Empty while it may still start.
   */
  static Optional<RuntimeFailure> startFailure(String name, Task task) {
    TaskStatus status = task.getStatus();
    if (status == null) {
      return Optional.empty();
    }
    String err = status.getErr() == null ? "" : status.getErr();
    String lower = lower(err);
    boolean unplaceable = !ended(task) && lower.contains(NO_NODE);
    if (!unplaceable && (!ended(task) || ranAndEnded(task))) {
      return Optional.empty();
    }
    String detail = "start " + name + ": " + (err.isBlank() ? status.getMessage() : err);
    if (lower.contains(HOST_PORT_TAKEN) || Failures.describesTakenPort(lower)) {
      return Optional.of(new RuntimeFailure(RuntimeFailure.Kind.PORT_IN_USE, detail));
    }
    if (lower.contains(NO_IMAGE)) {
      return Optional.of(new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, detail));
    }
    return Optional.of(new RuntimeFailure(RuntimeFailure.Kind.OTHER, detail));
  }

  /** The container a service stands for, as its current task shows it. */
  static ContainerInfo toInfo(Service service, List<Task> tasks) {
    Map<String, String> serviceLabels =
        service.getSpec() == null || service.getSpec().getLabels() == null
            ? Map.of()
            : service.getSpec().getLabels();
    var labels = new HashMap<>(serviceLabels);
    labels.keySet().removeAll(OUR_LABELS);
    String name = serviceLabels.getOrDefault(SwarmServices.NAME_LABEL, serviceName(service));
    Instant started = parseTime(serviceLabels.get(SwarmServices.STARTED_LABEL));
    boolean paused = serviceLabels.containsKey(SwarmServices.PAUSED_LABEL);
    Optional<Task> task = current(tasks);
    ContainerState state;
    ExitStatus exit = null;
    if (task.isPresent() && running(task.get())) {
      state = paused ? ContainerState.PAUSED : ContainerState.RUNNING;
    } else if (task.isPresent() && ranAndEnded(task.get())) {
      state = ContainerState.EXITED;
      exit = exitOf(task.get());
    } else if (started != null) {
      // stopped (Swarm deletes the tasks of a scale-down), or a start that did not get through
      state = ContainerState.EXITED;
    } else {
      // never started, or starting for the first time
      state = ContainerState.CREATED;
    }
    String node = task.map(Task::getNodeId).orElseGet(() -> pinnedNode(service));
    return new ContainerInfo(
        service.getId(), name, imageOf(service), state, labels, started, exit, node);
  }

  private static ExitStatus exitOf(Task task) {
    var container = task.getStatus() == null ? null : task.getStatus().getContainerStatus();
    if (container == null || container.getExitCodeLong() == null) {
      return null;
    }
    return new ExitStatus(container.getExitCodeLong(), false);
  }

  /** The node of the service's {@code node.id==} constraint, null when not pinned. */
  static String pinnedNode(Service service) {
    var spec = service.getSpec();
    if (spec == null
        || spec.getTaskTemplate() == null
        || spec.getTaskTemplate().getPlacement() == null
        || spec.getTaskTemplate().getPlacement().getConstraints() == null) {
      return null;
    }
    for (String constraint : spec.getTaskTemplate().getPlacement().getConstraints()) {
      String compact = constraint.replace(" ", "");
      if (compact.startsWith("node.id==")) {
        return compact.substring("node.id==".length());
      }
    }
    return null;
  }

  private static String imageOf(Service service) {
    var spec = service.getSpec();
    if (spec == null) {
      return null;
    }
    if (spec.getLabels() != null && spec.getLabels().containsKey(SwarmServices.IMAGE_LABEL)) {
      return spec.getLabels().get(SwarmServices.IMAGE_LABEL);
    }
    return spec.getTaskTemplate() == null || spec.getTaskTemplate().getContainerSpec() == null
        ? null
        : spec.getTaskTemplate().getContainerSpec().getImage();
  }

  private static String serviceName(Service service) {
    return service.getSpec() == null ? service.getId() : service.getSpec().getName();
  }

  static Instant parseTime(String time) {
    if (time == null || time.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String lower(String text) {
    return text == null ? "" : text.toLowerCase(Locale.ROOT);
  }
}
