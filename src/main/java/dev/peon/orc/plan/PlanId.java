package dev.peon.orc.plan;

import java.util.regex.Pattern;

/** A plan id ({@code game_uid}): a lower-case slug, validated at construction. */
public record PlanId(String value) implements Comparable<PlanId> {
  private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9_]{0,62}");

  public PlanId {
    if (value == null || !SLUG.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invalid game_uid: must match [a-z0-9][a-z0-9_]* and be at most 63 characters");
    }
  }

  public static boolean isValid(String value) {
    return value != null && SLUG.matcher(value).matches();
  }

  @Override
  public int compareTo(PlanId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
