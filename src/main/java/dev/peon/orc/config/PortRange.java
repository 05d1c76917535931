package dev.peon.orc.config;

/**
 * An inclusive range of host ports ({@code ports.range}, e.g. {@code 20000-39999}) from which a
 * server gets fresh ports when every port group of its plan is taken.
 */
public record PortRange(int first, int last) {

  public PortRange {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "port range " + first + "-" + last + " must satisfy 1 <= first <= last <= 65535");
    }
  }

  /**
   * Parses {@code FIRST-LAST} or a single port.
   *
   * @throws IllegalArgumentException with a message fit for a configuration problem
   */
  public static PortRange parse(String text) {
    String s = text.trim();
    var m = java.util.regex.Pattern.compile("(\\d{1,5})(?:\\s*-\\s*(\\d{1,5}))?").matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("must be FIRST-LAST, such as 20000-39999");
    }
    int first = Integer.parseInt(m.group(1));
    int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException("must satisfy 1 <= FIRST <= LAST <= 65535");
    }
    return new PortRange(first, last);
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  public int size() {
    return last - first + 1;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
