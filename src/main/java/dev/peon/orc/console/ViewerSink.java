package dev.peon.orc.console;

import java.io.IOException;

/** Where a viewer's frames go: a WebSocket session, or a list in tests. */
public interface ViewerSink {
  /** Sends one text frame, blocking while the peer does not read. */
  void send(String frame) throws IOException;

  /** Pushes out frames the transport batched. */
  void flush() throws IOException;

  /** Closes the connection with a WebSocket close code. */
  void close(int code, String reason);
}
