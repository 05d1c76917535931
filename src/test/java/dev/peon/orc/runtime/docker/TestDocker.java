package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;

/**
 * The engine the Docker integration tests use: {@code DOCKER_HOST}, else the local socket. Tests
 * fail, never skip, when it does not answer.
 */
public final class TestDocker {
  private TestDocker() {}

  /** The docker host string the tests connect to. */
  public static String host() {
    String host = System.getenv("DOCKER_HOST");
    return host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host;
  }

  /** A connected client; throws {@link AssertionError} with a clear message when unreachable. */
  public static DockerClient client() {
    DockerClient client = DockerClients.open(host());
    try {
      client.pingCmd().exec();
      return client;
    } catch (RuntimeException e) {
      closeQuietly(client);
      throw new AssertionError(
          "Docker engine not reachable at "
              + host()
              + ": Docker integration tests need a running dockerd (set DOCKER_HOST to point"
              + " elsewhere). Cause: "
              + e,
          e);
    }
  }

  public static void closeQuietly(DockerClient client) {
    try {
      client.close();
    } catch (IOException e) {
      // Nothing left to do in a test.
    }
  }

  /**
   * What the engine says of a container's limits and security, in plain values: {@code memory},
   * {@code nanoCpus}, {@code pids}, {@code init}, {@code securityOpt}, {@code capDrop}, {@code
   * capAdd}, {@code logType}, {@code logConfig}.
   */
  public static java.util.Map<String, Object> hostConfig(String container) {
    DockerClient client = client();
    try {
      var h = client.inspectContainerCmd(container).exec().getHostConfig();
      var m = new java.util.HashMap<String, Object>();
      m.put("memory", h.getMemory());
      m.put("nanoCpus", h.getNanoCPUs());
      m.put("pids", h.getPidsLimit());
      m.put("init", h.getInit());
      m.put("securityOpt", h.getSecurityOpts());
      m.put(
          "capDrop",
          h.getCapDrop() == null
              ? java.util.List.of()
              : java.util.Arrays.stream(h.getCapDrop()).map(Enum::name).toList());
      m.put(
          "capAdd",
          h.getCapAdd() == null
              ? java.util.List.of()
              : java.util.Arrays.stream(h.getCapAdd()).map(Enum::name).toList());
      if (h.getLogConfig() != null) {
        m.put(
            "logType",
            h.getLogConfig().getType() == null ? null : h.getLogConfig().getType().getType());
        m.put("logConfig", h.getLogConfig().getConfig());
      }
      return m;
    } finally {
      closeQuietly(client);
    }
  }
}
