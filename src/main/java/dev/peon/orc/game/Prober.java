package dev.peon.orc.game;

import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.server.ServerId;
import java.time.Instant;
import java.util.List;

/** Runs one probe of a server ({@link ProbeRunner} in production, a script in tests). */
public interface Prober {
  ProbeRunner.Result run(
      ServerId id, List<PortEntry> ports, Instant startedAt, ProbeSpec spec, boolean withPlayers);
}
