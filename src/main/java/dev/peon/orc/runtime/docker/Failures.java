package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.exception.DockerException;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.RuntimeFailure.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Locale;

/**
 * Maps docker-java failures to {@link RuntimeFailure}. Classification goes by exception type and
 * HTTP status; only where the engine answers a plain 500 for distinct causes (a host port already
 * taken, a registry that does not answer) does it look at the message, in {@link
 * #describesTakenPort} and {@link #describesUnreachableRegistry}.
 */
final class Failures {

  /** What was being done; the same status means different things for different operations. */
  enum Operation {
    CALL,
    START,
    PULL
  }

  private static final List<String> TAKEN_PORT_MARKERS =
      List.of("port is already allocated", "address already in use");

  private static final List<String> UNREACHABLE_REGISTRY_MARKERS =
      List.of(
          "dial tcp",
          "connection refused",
          "no such host",
          "i/o timeout",
          "tls handshake timeout",
          "connection reset",
          "network is unreachable",
          "server misbehaving",
          "timeout exceeded while awaiting headers");

  private Failures() {}

  static RuntimeFailure classify(Operation operation, String subject, Throwable error) {
    if (error instanceof RuntimeFailure failure) {
      return failure;
    }
    String detail = subject + ": " + messageOf(error);
    if (error instanceof DockerException docker) {
      return new RuntimeFailure(
          kindOf(operation, docker.getHttpStatus(), docker.getMessage()), detail, error);
    }
    if (causedByTimeout(error)) {
      return new RuntimeFailure(Kind.TIMEOUT, detail, error);
    }
    if (causedByIo(error)) {
      return new RuntimeFailure(Kind.ENGINE_UNREACHABLE, detail, error);
    }
    return new RuntimeFailure(Kind.OTHER, detail, error);
  }

  /** The kind for an engine answer with an HTTP error status. */
  static Kind kindOf(Operation operation, int httpStatus, String message) {
    return switch (httpStatus) {
      case 404 -> operation == Operation.PULL ? Kind.IMAGE_NOT_FOUND : Kind.NOT_FOUND;
      case 409 -> Kind.CONFLICT;
      // The engine says "forbidden" for state conflicts: active endpoints, overlapping pools.
      case 403 -> Kind.CONFLICT;
      case 500 -> {
        if (operation == Operation.START && describesTakenPort(message)) {
          yield Kind.PORT_IN_USE;
        }
        if (operation == Operation.PULL && describesUnreachableRegistry(message)) {
          yield Kind.REGISTRY_UNREACHABLE;
        }
        yield Kind.OTHER;
      }
      default -> Kind.OTHER;
    };
  }

  /** The kind for an error reported inside a pull's progress stream (HTTP status was 200). */
  static Kind kindOfPullStreamError(String message) {
    if (describesUnreachableRegistry(message)) {
      return Kind.REGISTRY_UNREACHABLE;
    }
    String lower = lower(message);
    if (lower.contains("manifest unknown") || lower.contains("not found")) {
      return Kind.IMAGE_NOT_FOUND;
    }
    return Kind.OTHER;
  }

  static boolean describesTakenPort(String message) {
    String lower = lower(message);
    return TAKEN_PORT_MARKERS.stream().anyMatch(lower::contains);
  }

  static boolean describesUnreachableRegistry(String message) {
    String lower = lower(message);
    return UNREACHABLE_REGISTRY_MARKERS.stream().anyMatch(lower::contains);
  }

  /** Our own bound ran out, or the engine stopped answering mid-call (a read timeout). */
  static boolean causedByTimeout(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof EngineTimeoutException || t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static boolean causedByIo(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof UncheckedIOException) {
        return true;
      }
    }
    return false;
  }

  private static String messageOf(Throwable error) {
    String message = error.getMessage();
    return message == null ? error.getClass().getSimpleName() : message.strip();
  }

  private static String lower(String message) {
    return message == null ? "" : message.toLowerCase(Locale.ROOT);
  }
}
