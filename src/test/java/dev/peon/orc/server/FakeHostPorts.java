package dev.peon.orc.server;

import dev.peon.orc.runtime.PortBinding;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Host ports a test declares busy (held by a process outside PEON); all others are free. */
final class FakeHostPorts implements HostPorts {
  private final Set<PortBinding> busy = ConcurrentHashMap.newKeySet();

  void occupy(int port, PortBinding.Protocol protocol) {
    busy.add(new PortBinding(port, protocol));
  }

  void release(int port, PortBinding.Protocol protocol) {
    busy.remove(new PortBinding(port, protocol));
  }

  @Override
  public boolean isFree(PortBinding binding) {
    return !busy.contains(binding);
  }
}
