package dev.peon.orc.notify;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

/** Posts one body to a receiver; the HTTP client in production, a fake in tests. */
interface WebhookTransport {

  /** The receiver's answer: its status and its {@code Retry-After} header (or null). */
  record Answer(int status, String retryAfter) {}

  Answer post(URI url, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException;
}
