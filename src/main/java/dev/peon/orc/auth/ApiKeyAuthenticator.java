package dev.peon.orc.auth;

import dev.peon.orc.config.Secret;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a presented v1 API key in constant time, with failures throttled per source address. A
 * presented key is never logged.
 */
public final class ApiKeyAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuthenticator.class);

  /** The outcome of a check: allowed, wrong or missing key (401), or throttled (429). */
  public enum Result {
    ALLOWED,
    DENIED,
    THROTTLED
  }

  private final Secret key;
  private final AuthThrottle throttle;

  public ApiKeyAuthenticator(Secret key, AuthThrottle throttle) {
    this.key = Objects.requireNonNull(key, "key");
    this.throttle = Objects.requireNonNull(throttle, "throttle");
  }

  /**
   * Checks {@code presentedKey} (null when the header is missing) from {@code sourceAddress}. The
   * right key is always let through; a wrong one from a locked-out address is refused unread.
   */
  public Result check(String sourceAddress, String presentedKey) {
    Objects.requireNonNull(sourceAddress, "sourceAddress");
    if (key.matches(presentedKey)) {
      throttle.recordSuccess(sourceAddress);
      return Result.ALLOWED;
    }
    if (throttle.isBlocked(sourceAddress)) {
      return Result.THROTTLED;
    }
    throttle.recordFailure(sourceAddress);
    LOG.atWarn()
        .addKeyValue("address", sourceAddress)
        .addKeyValue("keyPresent", presentedKey != null)
        .log("API key rejected");
    return Result.DENIED;
  }

  /** The throttle, for the {@code Retry-After} header of a 429. */
  public AuthThrottle throttle() {
    return throttle;
  }
}
