package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.auth.ApiKeyAuthenticator.Result;
import dev.peon.orc.config.Secret;
import dev.peon.orc.testing.CapturedLogs;
import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ApiKeyAuthenticatorTest {
  private static final String ADDR = "203.0.113.7";
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ApiKeyAuthenticator auth =
      new ApiKeyAuthenticator(
          new Secret("right-key"),
          new AuthThrottle(clock, 3, Duration.ofSeconds(60), Duration.ofMinutes(5), 100));

  @Test
  void allowsTheRightKeyAndDeniesWrongOrMissingOnes() {
    assertThat(auth.check(ADDR, "right-key")).isEqualTo(Result.ALLOWED);
    assertThat(auth.check("10.0.0.1", "wrong-key")).isEqualTo(Result.DENIED);
    assertThat(auth.check("10.0.0.2", "right-key ")).isEqualTo(Result.DENIED);
    assertThat(auth.check("10.0.0.3", "RIGHT-KEY")).isEqualTo(Result.DENIED);
    assertThat(auth.check("10.0.0.4", null)).isEqualTo(Result.DENIED);
    assertThat(auth.check("10.0.0.5", "")).isEqualTo(Result.DENIED);
  }

  @Test
  void throttlesWrongKeysFromAnAddressAfterRepeatedFailuresButNeverTheRightOne() {
    for (int i = 0; i < 3; i++) {
      assertThat(auth.check(ADDR, "guess" + i)).isEqualTo(Result.DENIED);
    }
    assertThat(auth.check(ADDR, "guess")).isEqualTo(Result.THROTTLED);
    assertThat(auth.check(ADDR, "right-key")).isEqualTo(Result.ALLOWED);
    assertThat(auth.check("198.51.100.1", "right-key")).isEqualTo(Result.ALLOWED);
    assertThat(auth.throttle().retryAfter(ADDR)).isEqualTo(Duration.ofMinutes(5));

    clock.advance(Duration.ofMinutes(5));
    assertThat(auth.check(ADDR, "guess")).isEqualTo(Result.DENIED);
  }

  @Test
  void logsTheAddressOfAFailureButNeverThePresentedKey() {
    try (CapturedLogs logs = new CapturedLogs(ApiKeyAuthenticator.class)) {
      auth.check(ADDR, "secret-guess-42");
      assertThat(logs.lines()).singleElement().asString().startsWith("WARN").contains(ADDR);
      assertThat(logs.lines()).noneMatch(line -> line.contains("secret-guess-42"));
    }
  }

  @Test
  void successResetsTheFailureCount() {
    auth.check(ADDR, "guess1");
    auth.check(ADDR, "guess2");
    auth.check(ADDR, "right-key");
    auth.check(ADDR, "guess3");
    auth.check(ADDR, "guess4");
    assertThat(auth.check(ADDR, "right-key")).isEqualTo(Result.ALLOWED);
  }
}
