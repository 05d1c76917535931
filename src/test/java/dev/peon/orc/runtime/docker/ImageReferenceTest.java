package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {

  @Test
  void defaultsToLatestWithoutTag() {
    assertThat(ImageReference.parse("umlatt/steamcmd"))
        .isEqualTo(new ImageReference("umlatt/steamcmd", "latest"));
    assertThat(ImageReference.parse("127.0.0.1:5000/peon/fakegame"))
        .isEqualTo(new ImageReference("127.0.0.1:5000/peon/fakegame", "latest"));
  }

  @Test
  void splitsTagAfterTheLastSlash() {
    assertThat(ImageReference.parse("127.0.0.1:5000/peon/fakegame:1"))
        .isEqualTo(new ImageReference("127.0.0.1:5000/peon/fakegame", "1"));
  }

  @Test
  void keepsDigestReferencesWhole() {
    String digest = "umlatt/steamcmd@sha256:" + "a".repeat(64);
    assertThat(ImageReference.parse(digest)).isEqualTo(new ImageReference(digest, null));
  }
}
