package dev.peon.orc.metrics;

import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerStats;
import dev.peon.orc.server.ServerView;
import java.util.ArrayList;
import java.util.List;

/** Where the background sampler reads the servers from; a lambda in tests. */
@FunctionalInterface
public interface ServerFeed {
  List<ServerSample> sample();

  /**
   * Every known server from memory, with stats for the running ones. {@link ServerService#stats}
   * answers from the state tracker's cache and refreshes a stale sample in the background, so a
   * round costs at most one Docker stats call per running server, off this thread.
   */
  static ServerFeed of(ServerService servers) {
    return () -> {
      List<ServerSample> out = new ArrayList<>();
      for (ServerView v : servers.list()) {
        String state = v.containerState() == null ? "missing" : v.containerState().wire();
        ServerStats s = null;
        if (v.running()) {
          try {
            s = servers.stats(v.id());
          } catch (RuntimeException e) {
            // deleted meanwhile, or the engine failed: no stats this round
          }
        }
        out.add(
            new ServerSample(
                v.id().uid(),
                v.id().game().value(),
                state,
                s == null ? 0 : s.cpuPercent(),
                s == null ? 0 : s.memoryBytes(),
                s == null ? 0 : s.networkRxBytes(),
                s == null ? 0 : s.networkTxBytes()));
      }
      return out;
    };
  }
}
