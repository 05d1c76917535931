package dev.peon.orc.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.config.AddressRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
  private final ClientAddress proxied =
      new ClientAddress(List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("::1")));

  @Test
  void ignoresForwardedForWithoutTrustedProxies() {
    ClientAddress none = new ClientAddress(List.of());
    assertThat(none.resolve("192.0.2.7", List.of("203.0.113.9"))).isEqualTo("192.0.2.7");
  }

  @Test
  void ignoresForwardedForFromAPeerThatIsNotATrustedProxy() {
    assertThat(proxied.resolve("192.0.2.7", List.of("203.0.113.9"))).isEqualTo("192.0.2.7");
  }

  @Test
  void takesTheNearestHopThatIsNotATrustedProxy() {
    assertThat(proxied.resolve("10.0.0.2", List.of("198.51.100.1, 203.0.113.9, 10.1.2.3")))
        .isEqualTo("203.0.113.9");
    assertThat(proxied.resolve("10.0.0.2", List.of("198.51.100.1", "203.0.113.9")))
        .isEqualTo("203.0.113.9");
    assertThat(proxied.resolve("0:0:0:0:0:0:0:1", List.of("2001:db8::5")))
        .isEqualTo("2001:db8:0:0:0:0:0:5");
  }

  @Test
  void neverBelievesAHopItCannotParse() {
    assertThat(proxied.resolve("10.0.0.2", List.of("203.0.113.9, evil.example, 10.0.0.3")))
        .isEqualTo("10.0.0.3");
    assertThat(proxied.resolve("10.0.0.2", List.of())).isEqualTo("10.0.0.2");
  }

  @Test
  void parsesAddressesAndRangesWithoutDns() {
    assertThat(AddressRange.parse("10.0.0.0/8").contains(AddressRange.literal("10.9.9.9").get()))
        .isTrue();
    assertThat(AddressRange.parse("10.0.0.0/8").contains(AddressRange.literal("11.0.0.1").get()))
        .isFalse();
    assertThat(
            AddressRange.parse("192.168.1.128/25")
                .contains(AddressRange.literal("192.168.1.200").get()))
        .isTrue();
    assertThat(
            AddressRange.parse("192.168.1.128/25")
                .contains(AddressRange.literal("192.168.1.100").get()))
        .isFalse();
    assertThat(AddressRange.literal("localhost")).isEmpty();
    assertThatThrownBy(() -> AddressRange.parse("proxy.example"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AddressRange.parse("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
