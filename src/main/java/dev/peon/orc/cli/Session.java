package dev.peon.orc.cli;

import java.io.PrintWriter;

/**
 * What one client command works with: the API, its output streams, the output mode and how times
 * are shown.
 */
record Session(
    ApiClient api, PrintWriter out, PrintWriter err, boolean json, Terminal terminal, Times times) {

  /** Prints an answer's body unchanged: the --json contract. */
  void printRaw(ApiClient.Response r) {
    out.println(r.body().strip());
  }
}
