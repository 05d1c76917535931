package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.PortConfigProtocol;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.Hardening;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PortBinding.Protocol;
import dev.peon.orc.runtime.ResourceLimits;
import dev.peon.orc.runtime.RuntimeFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SwarmServicesTest {
  /** Swarm's own rule for service names. */
  private static final Pattern SWARM_NAME = Pattern.compile("^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$");

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ContainerSpec spec() {
    return new ContainerSpec(
            "peon.abc123.my_server",
            "my-server",
            "peon-test/fakegame:1",
            List.of("PORT=27015", "SERVER_NAME=x"),
            List.of(new PortBinding(27015, Protocol.UDP), new PortBinding(27016, Protocol.TCP)),
            List.of(new BindMount("/srv/peon/servers/a/config", "/home/steam/config", true)),
            "1000:1000",
            Map.of("dev.peon.managed", "true"),
            "peon-net-a",
            true,
            new ResourceLimits(512L * 1024 * 1024, 1_500_000_000L, 200),
            Hardening.GAME)
        .withNode("x8bxjox0pup387oirnix8dttl");
  }

  @Test
  void serviceNamesAreValidStableDistinctAndBounded() {
    for (String name :
        List.of(
            "peon.abc123.my_server",
            "peon.abc123.my.server",
            "...",
            "a".repeat(200),
            "peon." + "x".repeat(80) + ".srv")) {
      String service = SwarmServices.serviceName(name);
      assertThat(service).matches(SWARM_NAME).hasSizeLessThanOrEqualTo(63);
      assertThat(SwarmServices.serviceName(name)).isEqualTo(service);
    }
    assertThat(SwarmServices.serviceName("peon.abc123.my_server"))
        .startsWith("peon-abc123-my-server-")
        .isNotEqualTo(SwarmServices.serviceName("peon.abc123.my.server"));
  }

  @Test
  void mapsEverySettingOfTheContainerOntoTheService() {
    var service =
        SwarmServices.spec(spec(), "sha256:abc", DockerSettings.defaults(), Duration.ofSeconds(45));

    assertThat(service.getName()).isEqualTo(SwarmServices.serviceName("peon.abc123.my_server"));
    assertThat(service.getLabels())
        .containsEntry("dev.peon.managed", "true")
        .containsEntry(SwarmServices.NAME_LABEL, "peon.abc123.my_server")
        .containsEntry(SwarmServices.IMAGE_LABEL, "peon-test/fakegame:1");
    assertThat(service.getMode().getReplicated().getReplicas()).isZero();

    var task = service.getTaskTemplate();
    var container = task.getContainerSpec();
    assertThat(container.getImage()).isEqualTo("sha256:abc");
    assertThat(container.getEnv()).containsExactly("PORT=27015", "SERVER_NAME=x");
    assertThat(container.getLabels())
        .containsEntry("dev.peon.managed", "true")
        .containsEntry(SwarmServices.NAME_LABEL, "peon.abc123.my_server");
    assertThat(container.getHostname()).isEqualTo("my-server");
    assertThat(container.getUser()).isEqualTo("1000:1000");
    assertThat(container.getOpenStdin()).isTrue();
    assertThat(container.getTty()).isFalse();
    assertThat(container.getInit()).isTrue();
    assertThat(container.getStopGracePeriod()).isEqualTo(Duration.ofSeconds(45).toNanos());
    assertThat(container.getMounts())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getType()).isEqualTo(MountType.BIND);
              assertThat(m.getSource()).isEqualTo("/srv/peon/servers/a/config");
              assertThat(m.getTarget()).isEqualTo("/home/steam/config");
              assertThat(m.getReadOnly()).isTrue();
            });

    assertThat(task.getResources().getLimits().getMemoryBytes()).isEqualTo(512L * 1024 * 1024);
    assertThat(task.getResources().getLimits().getNanoCPUs()).isEqualTo(1_500_000_000L);
    assertThat(task.getResources().getReservations().getMemoryBytes())
        .isEqualTo(512L * 1024 * 1024);
    assertThat(task.getRestartPolicy().getCondition()).isEqualTo(ServiceRestartCondition.NONE);
    assertThat(task.getPlacement().getConstraints())
        .containsExactly("node.id==x8bxjox0pup387oirnix8dttl");
    assertThat(task.getNetworks())
        .singleElement()
        .satisfies(n -> assertThat(n.getTarget()).isEqualTo("peon-net-a"));
    assertThat(task.getLogDriver().getName()).isEqualTo("json-file");
    assertThat(task.getLogDriver().getOptions())
        .containsEntry("max-size", "20m")
        .containsEntry("max-file", "3");

    assertThat(service.getEndpointSpec().getPorts())
        .extracting(
            PortConfig::getPublishMode,
            PortConfig::getProtocol,
            PortConfig::getTargetPort,
            PortConfig::getPublishedPort)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                PortConfig.PublishMode.host, PortConfigProtocol.UDP, 27015, 27015),
            org.assertj.core.groups.Tuple.tuple(
                PortConfig.PublishMode.host, PortConfigProtocol.TCP, 27016, 27016));
  }

  @Test
  void sendsCapabilitiesAndPidsLimitThatDockerJavaDoesNotKnow() {
    var service =
        SwarmServices.spec(spec(), "img", DockerSettings.defaults(), Duration.ofSeconds(1));
    var tree = JSON.valueToTree(service);
    var container = tree.path("TaskTemplate").path("ContainerSpec");
    assertThat(container.path("CapabilityDrop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(container.path("CapabilityAdd").toString())
        .contains("\"CAP_CHOWN\"", "\"CAP_NET_BIND_SERVICE\"");
    assertThat(tree.path("TaskTemplate").path("Resources").path("Limits").path("Pids").asLong())
        .isEqualTo(200);
  }

  @Test
  void leavesDockerDefaultsAndNoPlacementWhenNothingIsAsked() {
    var plain =
        new ContainerSpec(
            "peon.a.b", null, "img", List.of(), List.of(), List.of(), null, Map.of(), null, false);
    var service =
        SwarmServices.spec(plain, "img", DockerSettings.defaults(), Duration.ofSeconds(1));
    var tree = JSON.valueToTree(service);
    assertThat(service.getTaskTemplate().getPlacement()).isNull();
    assertThat(service.getTaskTemplate().getNetworks()).isNull();
    assertThat(tree.path("TaskTemplate").path("ContainerSpec").has("CapabilityDrop")).isFalse();
    assertThat(tree.path("TaskTemplate").path("Resources").path("Limits").has("Pids")).isFalse();
    assertThat(service.getTaskTemplate().getResources().getReservations().getMemoryBytes())
        .isNull();
  }

  @Test
  void refusesANodeIdThatIsNotOne() {
    assertThatThrownBy(
            () ->
                SwarmServices.spec(
                    spec().withNode("abc,node.role==manager"),
                    "img",
                    DockerSettings.defaults(),
                    Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(
            RuntimeFailure.class,
            f -> assertThat(f.kind()).isEqualTo(RuntimeFailure.Kind.NOT_FOUND));
    assertThat(SwarmServices.validNodeId("x8bxjox0pup387oirnix8dttl")).isTrue();
    assertThat(SwarmServices.validNodeId("../x")).isFalse();
    assertThat(SwarmServices.validNodeId("")).isFalse();
  }

  @Test
  void editsTheSpecAsTheEngineHoldsIt() throws Exception {
    ObjectNode spec =
        (ObjectNode)
            JSON.readTree(
                """
                {"Name":"s","Labels":{"a":"1","dev.peon.swarm.paused":"true"},
                 "Mode":{"Replicated":{"Replicas":0}},
                 "TaskTemplate":{"ForceUpdate":3,"ContainerSpec":{"Image":"i","CapabilityAdd":["CAP_KILL"]}}}
                """);
    SwarmServices.scaleUp(spec);
    assertThat(spec.path("Mode").path("Replicated").path("Replicas").asInt()).isEqualTo(1);
    assertThat(spec.path("TaskTemplate").path("ForceUpdate").asInt()).isEqualTo(4);
    assertThat(spec.path("Labels").has(SwarmServices.PAUSED_LABEL)).isFalse();
    // what the edit does not touch stays as the engine sent it
    assertThat(spec.path("TaskTemplate").path("ContainerSpec").path("CapabilityAdd").toString())
        .isEqualTo("[\"CAP_KILL\"]");

    assertThat(SwarmServices.scaleDown(spec, Duration.ofSeconds(7))).isTrue();
    assertThat(spec.path("Mode").path("Replicated").path("Replicas").asInt()).isZero();
    assertThat(spec.path("TaskTemplate").path("ContainerSpec").path("StopGracePeriod").asLong())
        .isEqualTo(7_000_000_000L);
    assertThat(SwarmServices.scaleDown(spec, null)).isFalse();

    assertThat(SwarmServices.label(spec, "k", "v")).isTrue();
    assertThat(SwarmServices.label(spec, "k", "v")).isFalse();
    assertThat(SwarmServices.label(spec, "k", null)).isTrue();
    assertThat(spec.path("Labels").path("a").asText()).isEqualTo("1");
  }
}
