package dev.peon.orc.game;

import com.ibasco.agql.protocols.valve.source.query.SourceQueryClient;
import com.ibasco.agql.protocols.valve.source.query.info.SourceServer;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Queries with an independent implementation of the Steam query protocol (the Asynchronous Game
 * Query Library, agql, from Maven Central; tests only), to check our answers against more than our
 * own client.
 */
final class IndependentA2s {
  private IndependentA2s() {}

  /** A2S_INFO (agql handles the challenge itself): the server name. */
  static String infoName(InetSocketAddress address) throws Exception {
    return info(address).getName();
  }

  static SourceServer info(InetSocketAddress address) throws Exception {
    try (SourceQueryClient client = new SourceQueryClient()) {
      return client.getInfo(address).get(10, TimeUnit.SECONDS).getResult();
    }
  }

  /** A2S_PLAYER: how many players agql read. */
  static int playerCount(InetSocketAddress address) throws Exception {
    try (SourceQueryClient client = new SourceQueryClient()) {
      return client.getPlayers(address).get(10, TimeUnit.SECONDS).getResult().size();
    }
  }
}
