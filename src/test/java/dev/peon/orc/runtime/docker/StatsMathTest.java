package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StatsMathTest {

  @Test
  void computesCpuPercentLikeDockerStats() {
    // 0.5 s of CPU in 2 s of system time (summed over CPUs), 4 CPUs: 100 %.
    assertThat(
            StatsMath.cpuPercent(
                1_500_000_000L, 1_000_000_000L, 12_000_000_000L, 10_000_000_000L, 4, 0))
        .isCloseTo(100.0, within(1e-9));
    assertThat(StatsMath.cpuPercent(300, 200, 2_000, 1_000, 2, 0)).isCloseTo(20.0, within(1e-9));
  }

  @Test
  void fallsBackToPerCpuCountWhenOnlineCpusIsMissing() {
    assertThat(StatsMath.cpuPercent(300, 200, 2_000, 1_000, 0, 4)).isCloseTo(40.0, within(1e-9));
  }

  @Test
  void givesZeroCpuWithoutPositiveDeltas() {
    assertThat(StatsMath.cpuPercent(100, 100, 2_000, 1_000, 2, 0)).isZero();
    assertThat(StatsMath.cpuPercent(200, 100, 1_000, 1_000, 2, 0)).isZero();
    assertThat(StatsMath.cpuPercent(200, 100, 0, 0, 0, 0)).isZero();
  }

  @Test
  void subtractsInactiveFileOrCacheFromMemoryUsage() {
    assertThat(StatsMath.memoryWithoutCache(1000, 300L, 200L, 100L)).isEqualTo(700);
    assertThat(StatsMath.memoryWithoutCache(1000, null, 200L, 100L)).isEqualTo(800);
    assertThat(StatsMath.memoryWithoutCache(1000, null, null, 100L)).isEqualTo(900);
    assertThat(StatsMath.memoryWithoutCache(1000, null, null, null)).isEqualTo(1000);
    assertThat(StatsMath.memoryWithoutCache(1000, 5000L, null, null)).isEqualTo(1000);
  }

  @Test
  void computesMemoryPercentOfLimit() {
    assertThat(StatsMath.memoryPercent(256, 1024)).isCloseTo(25.0, within(1e-9));
    assertThat(StatsMath.memoryPercent(256, 0)).isZero();
  }
}
