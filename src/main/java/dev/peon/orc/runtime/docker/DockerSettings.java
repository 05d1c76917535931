package dev.peon.orc.runtime.docker;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the adapter talks to the engine and what it asks of every container it creates.
 *
 * @param callTimeout how long a short call (inspect, create, start, list, ...) may wait for an
 *     answer; also the bound on waiting for a free connection
 * @param streamConnections connections for long-lived streams (events, log follows, stdin attaches,
 *     pulls); each also costs one thread while open
 * @param pullStallTimeout a pull without any progress for this long is cancelled
 * @param logMaxSize the {@code max-size} of a container's log file before it is rotated ({@code
 *     20m}, {@code 512k}, {@code 1g})
 * @param logMaxFiles how many log files a container keeps (the current one included)
 */
public record DockerSettings(
    Duration callTimeout,
    int streamConnections,
    Duration pullStallTimeout,
    String logMaxSize,
    int logMaxFiles) {
  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,9}[kmg]");

  public DockerSettings {
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(pullStallTimeout, "pullStallTimeout");
    Objects.requireNonNull(logMaxSize, "logMaxSize");
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive: " + callTimeout);
    }
    if (pullStallTimeout.isNegative() || pullStallTimeout.isZero()) {
      throw new IllegalArgumentException("pullStallTimeout must be positive: " + pullStallTimeout);
    }
    if (streamConnections < 1) {
      throw new IllegalArgumentException(
          "streamConnections must be positive: " + streamConnections);
    }
    if (!validLogSize(logMaxSize)) {
      throw new IllegalArgumentException("logMaxSize must look like 20m: " + logMaxSize);
    }
    if (logMaxFiles < 1) {
      throw new IllegalArgumentException("logMaxFiles must be positive: " + logMaxFiles);
    }
  }

  /** Defaults matching the documented configuration. */
  public static DockerSettings defaults() {
    return new DockerSettings(Duration.ofSeconds(30), 1000, Duration.ofMinutes(5), "20m", 3);
  }

  /** A size the engine's json-file driver takes: a number and {@code k}, {@code m} or {@code g}. */
  public static boolean validLogSize(String size) {
    return size != null && SIZE.matcher(size).matches();
  }

  public DockerSettings withPullStallTimeout(Duration timeout) {
    return new DockerSettings(callTimeout, streamConnections, timeout, logMaxSize, logMaxFiles);
  }

  public DockerSettings withStreamConnections(int connections) {
    return new DockerSettings(callTimeout, connections, pullStallTimeout, logMaxSize, logMaxFiles);
  }

  public DockerSettings withLogRotation(String maxSize, int maxFiles) {
    return new DockerSettings(callTimeout, streamConnections, pullStallTimeout, maxSize, maxFiles);
  }
}
