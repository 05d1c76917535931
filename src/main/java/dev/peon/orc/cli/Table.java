package dev.peon.orc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Aligned columns for humans: two spaces apart, the last column unpadded, null shown as "-". */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  private Table(List<String> header) {
    this.header = header;
  }

  /** A table with a header line. */
  static Table withHeader(String... columns) {
    return new Table(List.of(columns));
  }

  /** Key-value lines ("state running"). */
  static Table keyValues() {
    return new Table(List.of());
  }

  Table row(Object... values) {
    List<String> row = new ArrayList<>();
    for (Object v : values) {
      row.add(v == null || v.toString().isEmpty() ? "-" : v.toString());
    }
    rows.add(row);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Prints the table to the session's output, or {@code whenEmpty} to its errors when empty. */
  void printOr(Session s, String whenEmpty) {
    if (isEmpty()) {
      s.err().println(whenEmpty);
    } else {
      print(s.out());
    }
  }

  void print(PrintWriter out) {
    List<List<String>> all = new ArrayList<>();
    if (!header.isEmpty()) {
      all.add(header);
    }
    all.addAll(rows);
    int columns = all.stream().mapToInt(List::size).max().orElse(0);
    int[] width = new int[columns];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i).replace('\n', ' ');
        if (i == row.size() - 1) {
          line.append(cell);
        } else {
          line.append(cell);
          char[] pad = new char[width[i] - cell.length() + 2];
          Arrays.fill(pad, ' ');
          line.append(pad);
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
