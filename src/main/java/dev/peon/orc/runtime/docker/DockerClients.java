package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.net.URI;
import java.time.Duration;

/** Builds docker-java clients on the httpclient5 transport; the one place that knows how. */
final class DockerClients {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private DockerClients() {}

  static DockerClient open(String dockerHost) {
    var config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    // No response timeout: event streams and long stop grace periods hold a response open.
    var http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(URI.create(dockerHost))
            .sslConfig(config.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(CONNECT_TIMEOUT)
            .build();
    return DockerClientImpl.getInstance(config, http);
  }
}
