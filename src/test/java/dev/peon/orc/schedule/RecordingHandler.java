package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A handler that records its calls, optionally failing for some servers. */
final class RecordingHandler implements ScheduledActionHandler {
  record Call(ServerId server, ScheduledAction action) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<String> modes = new CopyOnWriteArrayList<>();
  private final Set<ServerId> failFor;
  private final CountDownLatch called;

  RecordingHandler(int expectedCalls, ServerId... failFor) {
    this.failFor = Set.of(failFor);
    this.called = new CountDownLatch(expectedCalls);
  }

  @Override
  public void run(ServerId server, ScheduledAction action, ScheduledUpdateMode updateMode)
      throws Exception {
    calls.add(new Call(server, action));
    modes.add(updateMode == null ? "none" : updateMode.wire());
    called.countDown();
    if (failFor.contains(server)) {
      throw new IllegalStateException("container is gone");
    }
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The update mode of each call, "none" when not given. */
  List<String> modes() {
    return List.copyOf(modes);
  }

  CountDownLatch called() {
    return called;
  }
}
