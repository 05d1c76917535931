package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.LogLine;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A followed container log: frames become lines; the end is reported once unless closed. */
final class LogStream implements ContainerRuntime.Subscription {
  private static final Logger LOG = LoggerFactory.getLogger(LogStream.class);

  private final String name;
  private final Consumer<Throwable> end;
  private final LogFrames frames;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Callback callback = new Callback();

  LogStream(String name, Consumer<LogLine> line, Consumer<Throwable> end) {
    this.name = name;
    this.end = end;
    this.frames =
        new LogFrames(
            l -> {
              if (!closed.get()) {
                line.accept(l);
              }
            });
  }

  ResultCallback.Adapter<Frame> callback() {
    return callback;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeCallback();
    }
  }

  private void finish(Throwable cause) {
    closeCallback();
    if (closed.get() || !ended.compareAndSet(false, true)) {
      return;
    }
    end.accept(
        cause == null ? null : Failures.classify(Failures.Operation.CALL, "logs " + name, cause));
  }

  private void closeCallback() {
    try {
      callback.close();
    } catch (IOException e) {
      LOG.atDebug().addKeyValue("container", name).log("closing a log stream failed");
    }
  }

  private final class Callback extends ResultCallback.Adapter<Frame> {
    @Override
    public void onNext(Frame frame) {
      frames.accept(frame);
    }

    @Override
    public void onError(Throwable throwable) {
      frames.flush();
      finish(throwable);
    }

    @Override
    public void onComplete() {
      frames.flush();
      finish(null);
    }
  }
}
