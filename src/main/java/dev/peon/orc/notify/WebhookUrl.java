package dev.peon.orc.notify;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a webhook posts: an absolute {@code http} or {@code https} URL with a host. The URL may
 * hold a secret (a Discord webhook URL embeds its token; a user name and password may be given), so
 * {@link #toString()} and {@link #masked()} show only the scheme, host, port and the last four
 * characters; the whole URL leaves the orchestrator only in the request that delivers.
 */
public record WebhookUrl(URI uri) {
  public static final int MAX_LENGTH = 2048;

  public WebhookUrl {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("must be an http:// or https:// URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("must name a host");
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException("must not have a #fragment");
    }
  }

  /** Parses and validates; the message of the exception never repeats the URL. */
  public static WebhookUrl parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be an http:// or https:// URL");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("must be at most " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new IllegalArgumentException("must not contain spaces or control characters");
      }
    }
    try {
      return new WebhookUrl(new URI(text));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("is not a valid URL");
    }
  }

  /** {@code https://discord.com/…/AbCd}: enough to recognize it, too little to use it. */
  public String masked() {
    StringBuilder b = new StringBuilder();
    b.append(uri.getScheme().toLowerCase(Locale.ROOT)).append("://").append(uri.getHost());
    if (uri.getPort() >= 0) {
      b.append(':').append(uri.getPort());
    }
    String rest =
        (uri.getRawPath() == null ? "" : uri.getRawPath())
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    if (rest.isEmpty() || rest.equals("/")) {
      return b.append('/').toString();
    }
    // the last four characters only when the rest is long enough not to give it all away
    String tail = rest.length() > 12 ? rest.substring(rest.length() - 4) : "";
    return b.append("/…").append(tail.isEmpty() ? "" : "/" + tail).toString();
  }

  @Override
  public String toString() {
    return masked();
  }
}
