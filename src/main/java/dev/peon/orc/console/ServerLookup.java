package dev.peon.orc.console;

import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerStats;
import dev.peon.orc.server.ServerView;
import java.util.List;
import java.util.Optional;

/** What the console needs to know about servers. */
public interface ServerLookup {
  List<ServerId> all();

  boolean exists(ServerId id);

  /** The container state; empty when the server or its container is missing. */
  Optional<ContainerState> state(ServerId id);

  /** Recent stats of a running server. */
  Optional<ServerStats> stats(ServerId id);

  /** The lookup backed by the server service. */
  static ServerLookup of(ServerService servers) {
    return new ServerLookup() {
      @Override
      public List<ServerId> all() {
        return servers.list().stream().map(ServerView::id).toList();
      }

      @Override
      public boolean exists(ServerId id) {
        return servers.find(id).isPresent();
      }

      @Override
      public Optional<ContainerState> state(ServerId id) {
        return servers.find(id).map(ServerView::containerState);
      }

      @Override
      public Optional<ServerStats> stats(ServerId id) {
        try {
          return Optional.of(servers.stats(id));
        } catch (RuntimeException e) {
          return Optional.empty();
        }
      }
    };
  }
}
