package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.api.model.TaskStatus;
import com.github.dockerjava.api.model.TaskStatusContainerStatus;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.ExitStatus;
import dev.peon.orc.runtime.RuntimeFailure.Kind;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SwarmTasksTest {
  private static final String STARTED = "2026-12-03T12:00:00Z";

  private static Service service(Map<String, String> extraLabels) {
    var labels = new HashMap<String, String>();
    labels.put("dev.peon.managed", "true");
    labels.put(SwarmServices.NAME_LABEL, "peon.a.srv");
    labels.put(SwarmServices.IMAGE_LABEL, "peon-test/fakegame:1");
    labels.putAll(extraLabels);
    return new Service()
        .withId("svc1")
        .withSpec(
            new ServiceSpec()
                .withName("peon-a-srv-12345678")
                .withLabels(labels)
                .withTaskTemplate(
                    new TaskSpec()
                        .withPlacement(
                            new ServicePlacement().withConstraints(List.of("node.id==node2")))));
  }

  private static Task task(String id, String created, TaskState state, TaskState desired) {
    return new Task()
        .withId(id)
        .withServiceId("svc1")
        .withNodeId("node2")
        .withCreatedAt(created)
        .withDesiredState(desired)
        .withStatus(new TaskStatus().withState(state).withMessage(state.getValue()));
  }

  private static Task ended(
      String id, String created, TaskState state, String message, String err, Integer code) {
    var status = new TaskStatus().withState(state).withMessage(message).withErr(err);
    if (code != null) {
      status.withContainerStatus(
          new TaskStatusContainerStatus()
              .withContainerID("c-" + id)
              .withExitCode(code.longValue()));
    }
    return new Task()
        .withId(id)
        .withServiceId("svc1")
        .withNodeId("node2")
        .withCreatedAt(created)
        .withDesiredState(TaskState.SHUTDOWN)
        .withStatus(status);
  }

  @Test
  void aServiceNeverStartedIsCreatedOnItsPinnedNode() {
    ContainerInfo info = SwarmTasks.toInfo(service(Map.of()), List.of());
    assertThat(info.state()).isEqualTo(ContainerState.CREATED);
    assertThat(info.id()).isEqualTo("svc1");
    assertThat(info.name()).isEqualTo("peon.a.srv");
    assertThat(info.image()).isEqualTo("peon-test/fakegame:1");
    assertThat(info.node()).isEqualTo("node2");
    assertThat(info.startedAt()).isNull();
    assertThat(info.labels()).containsOnlyKeys("dev.peon.managed");
  }

  @Test
  void theNewestTaskRunningMeansRunningSinceOurStart() {
    var tasks =
        List.of(
            ended("old", "2026-12-03T11:00:00Z", TaskState.COMPLETE, "finished", null, 0),
            task("new", "2026-12-03T12:00:00.5Z", TaskState.RUNNING, TaskState.RUNNING));
    ContainerInfo info =
        SwarmTasks.toInfo(service(Map.of(SwarmServices.STARTED_LABEL, STARTED)), tasks);
    assertThat(info.state()).isEqualTo(ContainerState.RUNNING);
    assertThat(info.startedAt()).isEqualTo(Instant.parse(STARTED));
    assertThat(info.exitStatus()).isNull();
  }

  @Test
  void aPausedMarkTurnsARunningTaskIntoPaused() {
    var tasks = List.of(task("t", "2026-12-03T12:00:00Z", TaskState.RUNNING, TaskState.RUNNING));
    var service =
        service(Map.of(SwarmServices.STARTED_LABEL, STARTED, SwarmServices.PAUSED_LABEL, "true"));
    assertThat(SwarmTasks.toInfo(service, tasks).state()).isEqualTo(ContainerState.PAUSED);
  }

  @Test
  void aTaskThatRanAndEndedIsExitedWithItsCode() {
    var tasks =
        List.of(
            ended(
                "t",
                "2026-12-03T12:00:00Z",
                TaskState.FAILED,
                "started",
                "task: non-zero exit (3)",
                3));
    ContainerInfo info =
        SwarmTasks.toInfo(service(Map.of(SwarmServices.STARTED_LABEL, STARTED)), tasks);
    assertThat(info.state()).isEqualTo(ContainerState.EXITED);
    assertThat(info.exitStatus()).isEqualTo(new ExitStatus(3, false));
    assertThat(SwarmTasks.ranAndEnded(tasks.get(0))).isTrue();
  }

  @Test
  void aStoppedServiceHasNoTaskLeftAndIsExited() {
    ContainerInfo info =
        SwarmTasks.toInfo(service(Map.of(SwarmServices.STARTED_LABEL, STARTED)), List.of());
    assertThat(info.state()).isEqualTo(ContainerState.EXITED);
    assertThat(info.startedAt()).isEqualTo(Instant.parse(STARTED));
  }

  @Test
  void aStartThatNeverRanLeavesTheStateAsItWas() {
    var failed =
        ended(
            "t",
            "2026-12-03T12:00:00Z",
            TaskState.FAILED,
            "starting",
            "starting container failed: listen udp 0.0.0.0:27015: bind: address already in use",
            128);
    assertThat(SwarmTasks.toInfo(service(Map.of()), List.of(failed)).state())
        .isEqualTo(ContainerState.CREATED);
    var before = service(Map.of(SwarmServices.STARTED_LABEL, STARTED));
    ContainerInfo info = SwarmTasks.toInfo(before, List.of(failed));
    assertThat(info.state()).isEqualTo(ContainerState.EXITED);
    assertThat(info.startedAt()).isEqualTo(Instant.parse(STARTED));
    assertThat(info.exitStatus()).isNull();
  }

  @Test
  void classifiesWhyATaskDidNotStart() {
    var taken =
        ended(
            "a",
            STARTED,
            TaskState.FAILED,
            "starting",
            "starting container failed: ... bind: address already in use",
            128);
    assertThat(SwarmTasks.startFailure("s", taken))
        .get()
        .extracting(f -> f.kind())
        .isEqualTo(Kind.PORT_IN_USE);

    var pending = task("b", STARTED, TaskState.PENDING, TaskState.RUNNING);
    assertThat(SwarmTasks.startFailure("s", pending)).isEmpty();
    pending
        .getStatus()
        .withErr(
            "no suitable node (scheduling constraints not satisfied on 2 nodes; host-mode port already in use on 1 node)");
    assertThat(SwarmTasks.startFailure("s", pending))
        .get()
        .extracting(f -> f.kind())
        .isEqualTo(Kind.PORT_IN_USE);

    var noImage =
        ended("c", STARTED, TaskState.REJECTED, "preparing", "No such image: peon/x:1", null);
    assertThat(SwarmTasks.startFailure("s", noImage))
        .get()
        .extracting(f -> f.kind())
        .isEqualTo(Kind.IMAGE_NOT_FOUND);

    var drained = task("d", STARTED, TaskState.PENDING, TaskState.RUNNING);
    drained.getStatus().withErr("no suitable node (1 node not available for new tasks)");
    assertThat(SwarmTasks.startFailure("s", drained))
        .get()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.OTHER);
              assertThat(f.getMessage()).contains("no suitable node");
            });

    var ranAndCrashed =
        ended("e", STARTED, TaskState.FAILED, "started", "task: non-zero exit (1)", 1);
    assertThat(SwarmTasks.startFailure("s", ranAndCrashed)).isEmpty();
    assertThat(
            SwarmTasks.startFailure("s", task("f", STARTED, TaskState.RUNNING, TaskState.RUNNING)))
        .isEmpty();
  }

  @Test
  void recognisesAnUpdateRefusedForAnOutdatedVersion() {
    assertThat(
            SwarmTasks.outOfSequence(
                "start service s: rpc error: code = Unknown desc = update out of sequence"))
        .isTrue();
    assertThat(SwarmTasks.outOfSequence("start service s: no such service")).isFalse();
    assertThat(SwarmTasks.outOfSequence(null)).isFalse();
  }

  @Test
  void theCurrentTaskIsTheNewestByCreationTime() {
    var tasks =
        List.of(
            task("b", "2026-12-03T12:00:01Z", TaskState.RUNNING, TaskState.RUNNING),
            task("a", "2026-12-03T12:00:00.999999999Z", TaskState.SHUTDOWN, TaskState.SHUTDOWN),
            task("c", "2026-12-03T12:00:00Z", TaskState.SHUTDOWN, TaskState.SHUTDOWN));
    assertThat(SwarmTasks.current(tasks)).get().extracting(Task::getId).isEqualTo("b");
    assertThat(SwarmTasks.current(List.of())).isEmpty();
  }
}
