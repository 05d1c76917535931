package dev.peon.orc.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * {@code java.net.http}: connect within 5 s, an answer within 10 s, redirects not followed (a
 * redirect could carry the body, and its signature, somewhere nobody configured).
 */
final class HttpWebhookTransport implements WebhookTransport {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client =
      HttpClient.newBuilder()
          .connectTimeout(CONNECT_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();

  @Override
  public Answer post(URI url, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url)
            .timeout(REQUEST_TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    HttpResponse<Void> r = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
    return new Answer(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null));
  }
}
