package dev.peon.orc.backup;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A backup's id: its UTC creation time and a random suffix, {@code 20261126T203000Z-3fa19c}. Sorts
 * by time; safe as a file name; validated before it reaches a path.
 */
public record BackupId(String value) implements Comparable<BackupId> {
  private static final Pattern FORMAT = Pattern.compile("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  public BackupId {
    if (value == null || !FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "a backup id looks like 20261126T203000Z-3fa19c, not '" + value + "'");
    }
  }

  static BackupId generate(Instant at, SecureRandom random) {
    byte[] b = new byte[3];
    random.nextBytes(b);
    return new BackupId(STAMP.format(at) + "-" + HexFormat.of().formatHex(b));
  }

  @Override
  public int compareTo(BackupId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
