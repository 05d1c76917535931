package dev.peon.orc.backup;

import java.util.ArrayList;
import java.util.List;

/**
 * A glob pattern over folder-relative paths, matched in time linear in the path's length times the
 * pattern's: {@code *} (any run within one path segment), {@code **} (any run, across segments),
 * {@code ?} (one character but {@code /}), {@code [a-z]} and {@code [!a-z]} (one character of, or
 * not of, a class; never {@code /}), {@code {a,b}} (alternatives; not nested) and {@code \}
 * (escapes the next character): the syntax of the JDK's {@code glob:} matcher. The JDK compiles a
 * glob to a backtracking regex in which {@code **}{@code **}{@code **}{@code x} takes exponential
 * time; this matcher walks the pattern as a set of positions instead, one step per character, so no
 * pattern can take longer than its size times the path's.
 */
final class Glob {
  /** Alternatives a pattern's {@code {..}} groups may expand to. */
  static final int MAX_ALTERNATIVES = 64;

  private enum Kind {
    LITERAL,
    ONE,
    STAR,
    STARS,
    CLASS
  }

  private record Token(Kind kind, char c, String ranges, boolean negated) {
    boolean accepts(char x) {
      return switch (kind) {
        case LITERAL -> x == c;
        case ONE -> x != '/';
        case STAR, STARS -> false;
        case CLASS -> x != '/' && inClass(x) != negated;
      };
    }

    private boolean inClass(char x) {
      for (int i = 0; i < ranges.length(); i += 2) {
        if (x >= ranges.charAt(i) && x <= ranges.charAt(i + 1)) {
          return true;
        }
      }
      return false;
    }
  }

  private final List<Token[]> alternatives;

  private Glob(List<Token[]> alternatives) {
    this.alternatives = alternatives;
  }

  /** Compiles a pattern; throws {@link IllegalArgumentException} saying what is wrong. */
  static Glob compile(String pattern) {
    List<List<List<Token>>> parts = new ArrayList<>(); // each part: its alternatives
    List<Token> plain = new ArrayList<>();
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c == '{') {
        parts.add(List.of(plain));
        plain = new ArrayList<>();
        List<List<Token>> group = new ArrayList<>();
        List<Token> alt = new ArrayList<>();
        i++;
        boolean closed = false;
        while (i < pattern.length()) {
          char g = pattern.charAt(i);
          if (g == '}') {
            closed = true;
            i++;
            break;
          } else if (g == ',') {
            group.add(alt);
            alt = new ArrayList<>();
            i++;
          } else if (g == '{') {
            throw new IllegalArgumentException("groups {..} cannot be nested");
          } else {
            i = token(pattern, i, alt);
          }
        }
        if (!closed) {
          throw new IllegalArgumentException("a group {.. is not closed");
        }
        group.add(alt);
        parts.add(group);
      } else {
        i = token(pattern, i, plain);
      }
    }
    parts.add(List.of(plain));
    List<List<Token>> expanded = new ArrayList<>();
    expanded.add(List.of());
    for (List<List<Token>> part : parts) {
      List<List<Token>> next = new ArrayList<>();
      for (List<Token> head : expanded) {
        for (List<Token> alt : part) {
          List<Token> both = new ArrayList<>(head);
          both.addAll(alt);
          next.add(both);
          if (next.size() > MAX_ALTERNATIVES) {
            throw new IllegalArgumentException(
                "its {..} groups make more than " + MAX_ALTERNATIVES + " alternatives");
          }
        }
      }
      expanded = next;
    }
    return new Glob(expanded.stream().map(l -> l.toArray(new Token[0])).toList());
  }

  /** Reads one token at {@code i} into {@code out}; returns the index after it. */
  private static int token(String p, int i, List<Token> out) {
    char c = p.charAt(i);
    switch (c) {
      case '\\' -> {
        if (i + 1 >= p.length()) {
          throw new IllegalArgumentException("it ends with an escape (\\)");
        }
        out.add(new Token(Kind.LITERAL, p.charAt(i + 1), null, false));
        return i + 2;
      }
      case '*' -> {
        if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
          // runs of stars are one '**': they match the same paths
          int j = i;
          while (j < p.length() && p.charAt(j) == '*') {
            j++;
          }
          addStar(out, Kind.STARS);
          return j;
        }
        addStar(out, Kind.STAR);
        return i + 1;
      }
      case '?' -> {
        out.add(new Token(Kind.ONE, '?', null, false));
        return i + 1;
      }
      case '[' -> {
        return charClass(p, i + 1, out);
      }
      default -> {
        out.add(new Token(Kind.LITERAL, c, null, false));
        return i + 1;
      }
    }
  }

  /** Adjacent stars add nothing: {@code *}{@code **} is {@code **}, {@code **}{@code *} too. */
  private static void addStar(List<Token> out, Kind kind) {
    if (!out.isEmpty()) {
      Token last = out.get(out.size() - 1);
      if (last.kind() == Kind.STARS) {
        return;
      }
      if (last.kind() == Kind.STAR) {
        if (kind == Kind.STARS) {
          out.set(out.size() - 1, new Token(Kind.STARS, '*', null, false));
        }
        return;
      }
    }
    out.add(new Token(kind, '*', null, false));
  }

  private static int charClass(String p, int i, List<Token> out) {
    boolean negated = false;
    if (i < p.length() && p.charAt(i) == '!') {
      negated = true;
      i++;
    }
    StringBuilder ranges = new StringBuilder();
    boolean closed = false;
    while (i < p.length()) {
      char c = p.charAt(i++);
      if (c == ']') {
        closed = true;
        break;
      }
      if (c == '/') {
        throw new IllegalArgumentException("a class [..] cannot hold '/'");
      }
      if (i + 1 < p.length() && p.charAt(i) == '-' && p.charAt(i + 1) != ']') {
        char to = p.charAt(i + 1);
        if (to < c || to == '/') {
          throw new IllegalArgumentException("the range " + c + "-" + to + " is invalid");
        }
        ranges.append(c).append(to);
        i += 2;
      } else {
        ranges.append(c).append(c);
      }
    }
    if (!closed) {
      throw new IllegalArgumentException("a class [.. is not closed");
    }
    out.add(new Token(Kind.CLASS, '[', ranges.toString(), negated));
    return i;
  }

  boolean matches(String path) {
    return matches(path, new long[1]);
  }

  /**
   * Matches, counting in {@code steps[0]} the pattern positions visited: never more than the path's
   * length plus one, times the pattern's tokens plus one, per alternative.
   */
  boolean matches(String path, long[] steps) {
    for (Token[] t : alternatives) {
      if (matches(t, path, steps)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Token[] t, String path, long[] steps) {
    int m = t.length;
    boolean[] cur = new boolean[m + 1];
    boolean[] next = new boolean[m + 1];
    cur[0] = true;
    close(t, cur);
    for (int k = 0; k < path.length(); k++) {
      char c = path.charAt(k);
      java.util.Arrays.fill(next, false);
      boolean any = false;
      for (int i = 0; i < m; i++) {
        steps[0]++;
        if (!cur[i]) {
          continue;
        }
        Token tok = t[i];
        if (tok.kind() == Kind.STARS || (tok.kind() == Kind.STAR && c != '/')) {
          next[i] = true;
          any = true;
        } else if (tok.accepts(c)) {
          next[i + 1] = true;
          any = true;
        }
      }
      if (!any) {
        return false;
      }
      close(t, next);
      boolean[] swap = cur;
      cur = next;
      next = swap;
    }
    return cur[m];
  }

  /** Stars match the empty string: a position before one also stands after it. */
  private static void close(Token[] t, boolean[] set) {
    for (int i = 0; i < t.length; i++) {
      if (set[i] && (t[i].kind() == Kind.STAR || t[i].kind() == Kind.STARS)) {
        set[i + 1] = true;
      }
    }
  }
}
