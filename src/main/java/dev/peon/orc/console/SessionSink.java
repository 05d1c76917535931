package dev.peon.orc.console;

import java.io.IOException;
import org.eclipse.jetty.websocket.api.BatchMode;
import org.eclipse.jetty.websocket.api.Session;

/** A viewer's frames over a Jetty WebSocket session: blocking, batched sends, flushed per batch. */
final class SessionSink implements ViewerSink {
  private final Session session;

  SessionSink(Session session) {
    this.session = session;
    session.getRemote().setBatchMode(BatchMode.ON);
  }

  @Override
  public void send(String frame) throws IOException {
    session.getRemote().sendString(frame);
  }

  @Override
  public void flush() throws IOException {
    session.getRemote().flush();
  }

  @Override
  public void close(int code, String reason) {
    session.close(code, reason);
  }
}
