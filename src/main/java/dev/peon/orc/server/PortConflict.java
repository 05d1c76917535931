package dev.peon.orc.server;

import dev.peon.orc.runtime.PortBinding;

/**
 * A port a server cannot have.
 *
 * @param name the plan's port variable the port was meant for (e.g. {@code PORT})
 * @param holder the uid of the server of ours that holds the port, or null when a process outside
 *     PEON has it bound on the host
 */
public record PortConflict(PortBinding binding, String name, String holder) {

  /** {@code 27015/udp (PORT)}. */
  public String describe() {
    return binding.port() + "/" + binding.protocol().wire() + " (" + name + ")";
  }

  /** {@code server [valheim.a]} or {@code a process outside PEON}. */
  String holderText() {
    return holder == null ? "a process outside PEON" : "server [" + holder + "]";
  }
}
