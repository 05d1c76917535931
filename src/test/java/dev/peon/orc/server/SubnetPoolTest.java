package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubnetPoolTest {

  @Test
  void allocatesTheLowestSubnetFirst() {
    SubnetPool pool = new SubnetPool("10.213.0.0/16", 28);

    assertThat(pool.allocate(Set.of())).isEqualTo("10.213.0.0/28");
  }

  @Test
  void skipsSubnetsInUse() {
    SubnetPool pool = new SubnetPool("10.213.0.0/16", 28);

    assertThat(pool.allocate(Set.of("10.213.0.0/28", "10.213.0.16/28")))
        .isEqualTo("10.213.0.32/28");
    assertThat(pool.allocate(Set.of("10.213.0.16/28"))).isEqualTo("10.213.0.0/28");
  }

  @Test
  void crossesOctetBoundaries() {
    SubnetPool pool = new SubnetPool("10.213.0.0/16", 28);

    assertThat(pool.subnet(16)).isEqualTo("10.213.1.0/28");
    assertThat(pool.subnet(pool.capacity() - 1)).isEqualTo("10.213.255.240/28");
  }

  @Test
  void holdsHundredsOfServersInTheDefaultPool() {
    SubnetPool pool = new SubnetPool("10.213.0.0/16", 28);
    Set<String> used = new HashSet<>();

    for (int i = 0; i < 1000; i++) {
      assertThat(used.add(pool.allocate(used))).isTrue();
    }

    assertThat(pool.capacity()).isEqualTo(4096);
    assertThat(used).hasSize(1000);
  }

  @Test
  void normalisesAPoolAddressThatIsNotOnItsBoundary() {
    SubnetPool pool = new SubnetPool("10.213.5.7/16", 28);

    assertThat(pool.allocate(Set.of())).isEqualTo("10.213.0.0/28");
  }

  @Test
  void failsClearlyWhenThePoolIsExhausted() {
    SubnetPool pool = new SubnetPool("192.168.50.0/27", 28);
    Set<String> used = Set.of("192.168.50.0/28", "192.168.50.16/28");

    assertThat(pool.capacity()).isEqualTo(2);
    assertThatThrownBy(() -> pool.allocate(used))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("network.subnet.pool")
        .satisfies(
            e -> assertThat(((ServerException) e).kind()).isEqualTo(ServerException.Kind.INTERNAL));
  }

  @Test
  void aPoolOfOneSubnetHoldsOneServer() {
    SubnetPool pool = new SubnetPool("172.30.0.0/28", 28);

    assertThat(pool.capacity()).isEqualTo(1);
    assertThat(pool.allocate(Set.of())).isEqualTo("172.30.0.0/28");
  }

  @Test
  void theGatewayIsTheFirstHostAddress() {
    assertThat(SubnetPool.gateway("10.213.0.16/28")).isEqualTo("10.213.0.17");
    assertThat(SubnetPool.gateway("10.213.1.0/28")).isEqualTo("10.213.1.1");
  }
}
