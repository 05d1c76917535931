package dev.peon.orc.runtime.docker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.model.Driver;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.PortConfigProtocol;
import com.github.dockerjava.api.model.ResourceRequirements;
import com.github.dockerjava.api.model.ResourceSpecs;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.Hardening;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.ResourceLimits;
import dev.peon.orc.runtime.RuntimeFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How one of our containers becomes a Swarm service: names, labels and the service spec. Pure
 * mapping, no engine calls.
 *
 * <p>Service names allow letters, digits, {@code -} and {@code _} (at most 63), our container names
 * also hold dots and may be longer. {@link #serviceName} maps a name to a readable, valid service
 * name plus a hash of the original, so the mapping is deterministic and collisions are practically
 * impossible; the original name travels in the label {@link #NAME_LABEL} (on the service and on its
 * task containers), which is how a service is mapped back.
 */
final class SwarmServices {
  /** The container name the service stands for. */
  static final String NAME_LABEL = "dev.peon.swarm.name";

  /** The image as it was asked for; the service itself runs the image's id (see {@link #spec}). */
  static final String IMAGE_LABEL = "dev.peon.swarm.image";

  /**
   * When the service was last started by us (ISO instant): the {@code startedAt} of the server,
   * stable for one run, new for each start. Absent: never started.
   */
  static final String STARTED_LABEL = "dev.peon.swarm.started";

  /** Present while the running task's container is paused (the manager cannot see a pause). */
  static final String PAUSED_LABEL = "dev.peon.swarm.paused";

  private static final int MAX_NAME = 63;
  private static final int HASH_HEX = 8;
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");

  private SwarmServices() {}

  /** The Swarm service name for a container name: readable part, {@code -}, 8 hex of SHA-256. */
  static String serviceName(String name) {
    var readable = new StringBuilder();
    for (char c : name.toCharArray()) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (ok) {
        readable.append(c);
      } else if (!readable.isEmpty() && readable.charAt(readable.length() - 1) != '-') {
        readable.append('-');
      }
    }
    String hash = sha256Hex(name).substring(0, HASH_HEX);
    String head = readable.toString();
    if (head.length() > MAX_NAME - HASH_HEX - 1) {
      head = head.substring(0, MAX_NAME - HASH_HEX - 1);
    }
    while (head.endsWith("-")) {
      head = head.substring(0, head.length() - 1);
    }
    return head.isEmpty() ? "peon-" + hash : head + "-" + hash;
  }

  /** True for strings that can be a Swarm node id (and nothing else: no constraint syntax). */
  static boolean validNodeId(String nodeId) {
    return nodeId != null && NODE_ID.matcher(nodeId).matches();
  }

  /**
   * The service for {@code spec}, with no replica (created stopped).
   *
   * @param image what the tasks run: the image's id when the manager has it, so no node tries a
   *     registry when a task starts and every node runs the very image that was pulled
   * @param stopGrace how long the engine waits after SIGTERM when the service is scaled down
   */
  static ServiceSpec spec(
      ContainerSpec spec, String image, DockerSettings settings, Duration stopGrace) {
    var serviceLabels = new HashMap<>(spec.labels());
    serviceLabels.put(NAME_LABEL, spec.name());
    serviceLabels.put(IMAGE_LABEL, spec.image());
    var containerLabels = new HashMap<>(spec.labels());
    containerLabels.put(NAME_LABEL, spec.name());

    var container = new HardenedContainerSpec();
    container
        .withImage(image)
        .withEnv(spec.env())
        .withLabels(containerLabels)
        .withMounts(spec.mounts().stream().map(SwarmServices::mount).toList())
        .withOpenStdin(spec.openStdin())
        .withTty(false)
        .withStopGracePeriod(stopGrace.toNanos());
    if (spec.hostname() != null) {
      container.withHostname(spec.hostname());
    }
    if (spec.user() != null) {
      container.withUser(spec.user());
    }
    applyHardening(container, spec.hardening());

    var task =
        new TaskSpec()
            .withContainerSpec(container)
            .withResources(resources(spec.limits()))
            // the orchestrator supervises: Swarm never restarts a task by itself
            .withRestartPolicy(
                new ServiceRestartPolicy().withCondition(ServiceRestartCondition.NONE))
            .withLogDriver(
                new Driver()
                    .withName("json-file")
                    .withOptions(
                        Map.of(
                            "max-size",
                            settings.logMaxSize(),
                            "max-file",
                            String.valueOf(settings.logMaxFiles()))));
    if (spec.node() != null) {
      if (!validNodeId(spec.node())) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.NOT_FOUND, "not a Swarm node id: " + spec.node());
      }
      task.withPlacement(
          new ServicePlacement().withConstraints(List.of("node.id==" + spec.node())));
    }
    if (spec.network() != null) {
      task.withNetworks(List.of(new NetworkAttachmentConfig().withTarget(spec.network())));
    }
    return new ServiceSpec()
        .withName(serviceName(spec.name()))
        .withLabels(serviceLabels)
        .withTaskTemplate(task)
        .withMode(
            new ServiceModeConfig()
                .withReplicated(new ServiceReplicatedModeOptions().withReplicas(0)))
        .withEndpointSpec(
            new EndpointSpec().withPorts(spec.ports().stream().map(SwarmServices::port).toList()));
  }

  /** Published on the node the task runs on only (host mode), host port = container port. */
  private static PortConfig port(PortBinding binding) {
    return new PortConfig()
        .withProtocol(
            binding.protocol() == PortBinding.Protocol.UDP
                ? PortConfigProtocol.UDP
                : PortConfigProtocol.TCP)
        .withTargetPort(binding.port())
        .withPublishedPort(binding.port())
        .withPublishMode(PortConfig.PublishMode.host);
  }

  private static Mount mount(BindMount bind) {
    return new Mount()
        .withType(MountType.BIND)
        .withSource(bind.hostPath())
        .withTarget(bind.containerPath())
        .withReadOnly(bind.readOnly());
  }

  /**
   * Limits as on a single host, and a memory reservation equal to the limit so the Swarm scheduler
   * accounts for it. A service cannot turn swap off (the engine then allows as much swap as memory)
   * and its pids limit needs API 1.41.
   */
  private static ResourceRequirements resources(ResourceLimits limits) {
    var max = new LimitSpecs();
    var reserved = new ResourceSpecs();
    if (limits.memoryBytes() > 0) {
      max.withMemoryBytes(limits.memoryBytes());
      reserved.withMemoryBytes(limits.memoryBytes());
    }
    if (limits.nanoCpus() > 0) {
      max.withNanoCPUs(limits.nanoCpus());
    }
    if (limits.pids() > 0) {
      max.pids = limits.pids();
    }
    return new ResourceRequirements().withLimits(max).withReservations(reserved);
  }

  /**
   * Init and capabilities as on a single host (capabilities need API 1.41). {@code
   * no-new-privileges} has no place in a service spec before API 1.46, so it is not applied on a
   * Swarm.
   */
  private static void applyHardening(HardenedContainerSpec container, Hardening hardening) {
    if (hardening.init()) {
      container.withInit(true);
    }
    if (hardening.dropsCapabilities()) {
      container.capabilityDrop = List.of("ALL");
      container.capabilityAdd = hardening.capAdd().stream().map(c -> "CAP_" + c).toList();
    }
  }

  /**
   * The container spec with the capability fields of API 1.41 that docker-java lacks. Read back,
   * they land in the spec's raw values and are sent again on every update.
   */
  static final class HardenedContainerSpec extends com.github.dockerjava.api.model.ContainerSpec {
    private static final long serialVersionUID = 1L;

    @JsonProperty("CapabilityAdd")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    List<String> capabilityAdd;

    @JsonProperty("CapabilityDrop")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    List<String> capabilityDrop;
  }

  /** Limits with the pids limit of API 1.41 that docker-java lacks. */
  static final class LimitSpecs extends ResourceSpecs {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Pids")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    Long pids;
  }

  // ------------------------------------------------------------ edits of a spec read back as JSON

  /** One replica, and a new task even when the last one ended at one replica; not paused. */
  static void scaleUp(ObjectNode spec) {
    replicated(spec).put("Replicas", 1);
    ObjectNode template = object(spec, "TaskTemplate");
    template.put("ForceUpdate", template.path("ForceUpdate").asLong(0) + 1);
    object(spec, "Labels").remove(PAUSED_LABEL);
  }

  /**
   * No replica; with a {@code grace}, that becomes the stop grace period of the next task. False
   * when there was nothing to change.
   */
  static boolean scaleDown(ObjectNode spec, Duration grace) {
    ObjectNode replicated = replicated(spec);
    boolean change = replicated.path("Replicas").asLong(0) != 0 || grace != null;
    replicated.put("Replicas", 0);
    if (grace != null) {
      object(object(spec, "TaskTemplate"), "ContainerSpec").put("StopGracePeriod", grace.toNanos());
    }
    object(spec, "Labels").remove(PAUSED_LABEL);
    return change;
  }

  /** Sets ({@code value} non-null) or removes a service label; false when nothing changes. */
  static boolean label(ObjectNode spec, String key, String value) {
    ObjectNode labels = object(spec, "Labels");
    if (value == null) {
      return labels.remove(key) != null;
    }
    boolean change = !value.equals(labels.path(key).asText(null));
    labels.put(key, value);
    return change;
  }

  private static ObjectNode replicated(ObjectNode spec) {
    ObjectNode mode = object(spec, "Mode");
    return object(mode, "Replicated");
  }

  private static ObjectNode object(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node instanceof ObjectNode object) {
      return object;
    }
    return parent.putObject(field);
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }
}
