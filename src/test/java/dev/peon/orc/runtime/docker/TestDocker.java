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
}
