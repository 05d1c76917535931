package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.peon.orc.runtime.RuntimeFailure.Kind;
import dev.peon.orc.runtime.docker.Failures.Operation;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class FailuresTest {

  @Test
  void mapsNotFoundAndConflictByType() {
    assertThat(Failures.classify(Operation.CALL, "x", new NotFoundException("gone")).kind())
        .isEqualTo(Kind.NOT_FOUND);
    assertThat(Failures.classify(Operation.START, "x", new ConflictException("taken")).kind())
        .isEqualTo(Kind.CONFLICT);
  }

  @Test
  void mapsAnAnswerThatCameTooLateOrANoFreeConnectionToTimeout() {
    var readTimeout = new RuntimeException(new java.net.SocketTimeoutException("Read timed out"));
    assertThat(Failures.classify(Operation.CALL, "x", readTimeout).kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(
            Failures.classify(Operation.CALL, "x", new EngineTimeoutException("no connection"))
                .kind())
        .isEqualTo(Kind.TIMEOUT);
    assertThat(
            Failures.classify(Operation.CALL, "x", new UncheckedIOException(new IOException("x")))
                .kind())
        .isEqualTo(Kind.ENGINE_UNREACHABLE);
  }

  @Test
  void mapsTakenHostPortOnStartToPortInUse() {
    var allocated =
        new InternalServerErrorException(
            "Status 500: {\"message\":\"driver failed programming external connectivity on"
                + " endpoint a: Bind for 0.0.0.0:27015 failed: port is already allocated\"}");
    var inUse =
        new InternalServerErrorException(
            "Status 500: {\"message\":\"driver failed programming external connectivity:"
                + " Error starting userland proxy: listen tcp4 0.0.0.0:27015: bind: address"
                + " already in use\"}");
    assertThat(Failures.classify(Operation.START, "x", allocated).kind())
        .isEqualTo(Kind.PORT_IN_USE);
    assertThat(Failures.classify(Operation.START, "x", inUse).kind()).isEqualTo(Kind.PORT_IN_USE);
    assertThat(Failures.classify(Operation.CALL, "x", allocated).kind()).isEqualTo(Kind.OTHER);
    assertThat(
            Failures.classify(Operation.START, "x", new InternalServerErrorException("oops"))
                .kind())
        .isEqualTo(Kind.OTHER);
  }

  @Test
  void mapsPullFailuresToImageNotFoundOrRegistryUnreachable() {
    var unknownTag =
        new NotFoundException(
            "manifest for 127.0.0.1:5000/peon/fakegame:nope not found: manifest unknown");
    var refused =
        new InternalServerErrorException(
            "Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused");
    assertThat(Failures.classify(Operation.PULL, "x", unknownTag).kind())
        .isEqualTo(Kind.IMAGE_NOT_FOUND);
    assertThat(Failures.classify(Operation.PULL, "x", refused).kind())
        .isEqualTo(Kind.REGISTRY_UNREACHABLE);
    assertThat(Failures.kindOfPullStreamError("manifest unknown")).isEqualTo(Kind.IMAGE_NOT_FOUND);
    assertThat(Failures.kindOfPullStreamError("i/o timeout")).isEqualTo(Kind.REGISTRY_UNREACHABLE);
    assertThat(Failures.kindOfPullStreamError("no space left on device")).isEqualTo(Kind.OTHER);
  }

  @Test
  void mapsTransportIoFailuresToEngineUnreachable() {
    var io = new UncheckedIOException(new IOException("No such file or directory"));
    assertThat(Failures.classify(Operation.CALL, "x", new RuntimeException(io)).kind())
        .isEqualTo(Kind.ENGINE_UNREACHABLE);
    assertThat(Failures.classify(Operation.CALL, "x", new DockerClientException("odd")).kind())
        .isEqualTo(Kind.OTHER);
  }

  @Test
  void keepsTheSubjectInTheMessage() {
    var failure =
        Failures.classify(Operation.CALL, "start container a", new NotFoundException("no"));
    assertThat(failure.getMessage()).startsWith("start container a: ");
    assertThat(failure.getCause()).isInstanceOf(NotFoundException.class);
  }
}
