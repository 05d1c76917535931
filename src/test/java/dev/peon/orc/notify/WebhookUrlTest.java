package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookUrlTest {
  private static final String DISCORD =
      "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789tokn";

  @Test
  void masksADiscordUrlDownToSchemeHostAndLastFourCharacters() {
    WebhookUrl url = WebhookUrl.parse(DISCORD);
    assertThat(url.masked()).isEqualTo("https://discord.com/…/tokn");
    assertThat(url.toString()).isEqualTo(url.masked()).doesNotContain("AbCdEf", "123456789");
  }

  @Test
  void masksUserInfoQueryAndKeepsThePort() {
    WebhookUrl url =
        WebhookUrl.parse("http://bob:hunter2@hooks.example:8080/in?token=sekrit-value");
    assertThat(url.masked())
        .isEqualTo("http://hooks.example:8080/…/alue")
        .doesNotContain("bob", "hunter2", "sekrit");
  }

  @Test
  void showsNothingOfAShortPath() {
    assertThat(WebhookUrl.parse("https://h.example/abc").masked()).isEqualTo("https://h.example/…");
    assertThat(WebhookUrl.parse("https://h.example").masked()).isEqualTo("https://h.example/");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://h.example/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "/relative/path",
        "https:///nohost",
        "https://h.example/x#frag",
        "https://h.example/a b",
        "https://h.example/\nx",
        ""
      })
  void refusesWhatIsNotAnHttpUrlWithAHost(String text) {
    assertThatThrownBy(() -> WebhookUrl.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesOverlongUrlsWithoutRepeatingThem() {
    String longUrl = "https://h.example/" + "x".repeat(WebhookUrl.MAX_LENGTH);
    assertThatThrownBy(() -> WebhookUrl.parse(longUrl))
        .hasMessageNotContaining("h.example")
        .hasMessageContaining("at most");
  }

  @Test
  void guessesTheDiscordFormatOnlyForDiscordWebhookUrls() {
    assertThat(WebhookRoutes.guessFormat(WebhookUrl.parse(DISCORD)))
        .isEqualTo(WebhookFormat.DISCORD);
    assertThat(
            WebhookRoutes.guessFormat(
                WebhookUrl.parse("https://discord.com.evil.example/api/webhooks/1/x")))
        .isEqualTo(WebhookFormat.JSON);
    assertThat(WebhookRoutes.guessFormat(WebhookUrl.parse("https://hooks.example/api/webhooks/1")))
        .isEqualTo(WebhookFormat.JSON);
  }
}
