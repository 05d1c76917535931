package dev.peon.orc.config;

import java.util.List;

/**
 * How game containers run unless a server says otherwise.
 *
 * @param memoryBytes default memory limit in bytes (0: none)
 * @param cpus default CPU limit (0: none)
 * @param pids default process limit (0: none)
 * @param hardened run with an init process, {@code no-new-privileges} and only {@link
 *     #capabilities}
 * @param capabilities the Linux capabilities kept when hardened
 * @param instanceId this orchestrator's label value; empty to use the one stored in the data folder
 */
public record ContainerPolicy(
    long memoryBytes,
    double cpus,
    long pids,
    boolean hardened,
    List<String> capabilities,
    String instanceId) {

  /** Every capability name Docker accepts (without the {@code CAP_} prefix). */
  public static final List<String> KNOWN_CAPABILITIES =
      List.of(
          "AUDIT_CONTROL",
          "AUDIT_READ",
          "AUDIT_WRITE",
          "BLOCK_SUSPEND",
          "BPF",
          "CHECKPOINT_RESTORE",
          "CHOWN",
          "DAC_OVERRIDE",
          "DAC_READ_SEARCH",
          "FOWNER",
          "FSETID",
          "IPC_LOCK",
          "IPC_OWNER",
          "KILL",
          "LEASE",
          "LINUX_IMMUTABLE",
          "MAC_ADMIN",
          "MAC_OVERRIDE",
          "MKNOD",
          "NET_ADMIN",
          "NET_BIND_SERVICE",
          "NET_BROADCAST",
          "NET_RAW",
          "PERFMON",
          "SETFCAP",
          "SETGID",
          "SETPCAP",
          "SETUID",
          "SYS_ADMIN",
          "SYS_BOOT",
          "SYS_CHROOT",
          "SYS_MODULE",
          "SYS_NICE",
          "SYS_PACCT",
          "SYS_PTRACE",
          "SYS_RAWIO",
          "SYS_RESOURCE",
          "SYS_TIME",
          "SYS_TTY_CONFIG",
          "SYSLOG",
          "WAKE_ALARM");

  public static final String DEFAULT_CAPABILITIES =
      "CHOWN,DAC_OVERRIDE,FOWNER,SETUID,SETGID,KILL,NET_BIND_SERVICE";

  public ContainerPolicy {
    capabilities = List.copyOf(capabilities);
  }
}
