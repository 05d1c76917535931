package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.transport.DockerHttpClient;
import dev.peon.orc.runtime.RuntimeFailure;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeasedHttpClientTest {

  /** Answers every request at once with an empty body. */
  private static final class Answering implements DockerHttpClient {
    int executed;
    boolean failNext;

    @Override
    public Response execute(Request request) {
      executed++;
      if (failNext) {
        failNext = false;
        throw new IllegalStateException("engine said no");
      }
      return new Response() {
        @Override
        public int getStatusCode() {
          return 200;
        }

        @Override
        public Map<String, List<String>> getHeaders() {
          return Map.of();
        }

        @Override
        public InputStream getBody() {
          return new ByteArrayInputStream(new byte[0]);
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {}
  }

  private static DockerHttpClient.Request request() {
    return DockerHttpClient.Request.builder()
        .method(DockerHttpClient.Request.Method.GET)
        .path("/_ping")
        .build();
  }

  @Test
  void refusesARequestWhenEveryConnectionIsLeasedAndServesItOnceOneIsGivenBack() {
    var engine = new Answering();
    var pool = new LeasedHttpClient("control", engine, 2, Duration.ofMillis(50));
    var first = pool.execute(request());
    var second = pool.execute(request());
    assertThat(pool.inUse()).isEqualTo(2);

    assertThatThrownBy(() -> pool.execute(request()))
        .isInstanceOf(EngineTimeoutException.class)
        .hasMessageContaining("control pool");
    assertThat(engine.executed).as("the refused request never reached the engine").isEqualTo(2);
    assertThat(Failures.classify(Failures.Operation.CALL, "x", catchTimeout(pool)).kind())
        .isEqualTo(RuntimeFailure.Kind.TIMEOUT);

    first.close();
    first.close(); // closing twice gives back one lease only
    assertThat(pool.inUse()).isEqualTo(1);
    pool.execute(request()).close();
    second.close();
    assertThat(pool.inUse()).isZero();
  }

  @Test
  void givesTheLeaseBackWhenTheRequestFails() {
    var engine = new Answering();
    var pool = new LeasedHttpClient("stream", engine, 1, Duration.ofMillis(50));
    engine.failNext = true;
    assertThatThrownBy(() -> pool.execute(request())).hasMessage("engine said no");
    assertThat(pool.inUse()).isZero();
    pool.execute(request()).close();
  }

  private static Throwable catchTimeout(LeasedHttpClient pool) {
    try {
      pool.execute(request()).close();
      throw new AssertionError("expected no free connection");
    } catch (EngineTimeoutException e) {
      return e;
    }
  }
}
