package dev.peon.orc.server;

import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.PortBinding;

/**
 * Renders the Compose file written beside config.json, for people who inspect or recover a server
 * by hand. The orchestrator never runs it; every value is quoted.
 */
final class ComposeFile {
  private ComposeFile() {}

  static String render(ContainerSpec spec, String subnet) {
    StringBuilder y = new StringBuilder();
    y.append(
        "# Written by PEON Orchestrator for reference; the orchestrator drives the Engine API.\n");
    y.append("services:\n");
    y.append("  server:\n");
    y.append("    container_name: ").append(q(spec.name())).append('\n');
    y.append("    hostname: ").append(q(spec.hostname())).append('\n');
    y.append("    image: ").append(q(spec.image())).append('\n');
    y.append("    user: ").append(q(spec.user())).append('\n');
    y.append("    stdin_open: ").append(spec.openStdin()).append('\n');
    if (!spec.env().isEmpty()) {
      y.append("    environment:\n");
      for (String e : spec.env()) {
        y.append("      - ").append(q(e)).append('\n');
      }
    }
    if (!spec.ports().isEmpty()) {
      y.append("    ports:\n");
      for (PortBinding p : spec.ports()) {
        y.append("      - ")
            .append(q(p.port() + ":" + p.port() + "/" + p.protocol().wire()))
            .append('\n');
      }
    }
    if (!spec.mounts().isEmpty()) {
      y.append("    volumes:\n");
      for (BindMount m : spec.mounts()) {
        y.append("      - ").append(q(m.hostPath() + ":" + m.containerPath())).append('\n');
      }
    }
    if (!spec.labels().isEmpty()) {
      y.append("    labels:\n");
      spec.labels().entrySet().stream()
          .sorted(java.util.Map.Entry.comparingByKey())
          .forEach(
              l ->
                  y.append("      ")
                      .append(q(l.getKey()))
                      .append(": ")
                      .append(q(l.getValue()))
                      .append('\n'));
    }
    y.append("    networks:\n      - ").append(q(spec.network())).append('\n');
    y.append("networks:\n  ")
        .append(q(spec.network()))
        .append(":\n    name: ")
        .append(q(spec.network()))
        .append('\n');
    if (subnet != null) {
      y.append("    ipam:\n      config:\n        - subnet: ").append(q(subnet)).append('\n');
    }
    return y.toString();
  }

  /** A YAML double-quoted scalar: line breaks and control characters escaped, never folded. */
  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : (s == null ? "" : s).toCharArray()) {
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
