package dev.peon.orc.runtime.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A transport that hands out at most {@code permits} connections and waits at most {@code
 * leaseTimeout} for one. httpclient5 would wait 3 minutes for a pooled connection and docker-java
 * offers no way to change that, so the bound is kept here: the pool below has exactly as many
 * connections as there are permits and never makes a caller wait itself.
 */
final class LeasedHttpClient implements DockerHttpClient {
  private final String pool;
  private final DockerHttpClient delegate;
  private final Semaphore permits;
  private final int size;
  private final Duration leaseTimeout;

  LeasedHttpClient(String pool, DockerHttpClient delegate, int permits, Duration leaseTimeout) {
    this.pool = pool;
    this.delegate = delegate;
    this.size = permits;
    this.permits = new Semaphore(permits);
    this.leaseTimeout = leaseTimeout;
  }

  /** Connections currently leased (requests in flight or streams open). */
  int inUse() {
    return size - permits.availablePermits();
  }

  @Override
  public Response execute(Request request) {
    try {
      if (!permits.tryAcquire(leaseTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new EngineTimeoutException(
            "no free connection to the Docker engine in the "
                + pool
                + " pool ("
                + size
                + " in use) within "
                + leaseTimeout.toSeconds()
                + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineTimeoutException("interrupted while waiting for a Docker connection");
    }
    try {
      return new Leased(delegate.execute(request));
    } catch (RuntimeException | Error e) {
      permits.release();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  private final class Leased implements Response {
    private final Response response;
    private final AtomicBoolean released = new AtomicBoolean();

    Leased(Response response) {
      this.response = response;
    }

    @Override
    public int getStatusCode() {
      return response.getStatusCode();
    }

    @Override
    public Map<String, List<String>> getHeaders() {
      return response.getHeaders();
    }

    @Override
    public String getHeader(String name) {
      return response.getHeader(name);
    }

    @Override
    public InputStream getBody() {
      return response.getBody();
    }

    @Override
    public void close() {
      try {
        response.close();
      } finally {
        if (released.compareAndSet(false, true)) {
          permits.release();
        }
      }
    }
  }
}
