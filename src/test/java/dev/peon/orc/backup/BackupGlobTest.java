package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exclude globs: the JDK's glob syntax and meaning, matched without backtracking. */
class BackupGlobTest {
  private static final List<String> PATTERNS =
      List.of(
          "data/steamapps",
          "data/**",
          "data/**/*.log",
          "**/*.log",
          "*.log",
          "user/*.bin",
          "user/worlds/world?.db",
          "user/[a-c]*",
          "user/[!a-c]*",
          "{data,user}/cache",
          "logs/{*.log,*.txt}",
          "**",
          "*",
          "a\\*b",
          "data/*/x/**");
  private static final List<String> PATHS =
      List.of(
          "data/steamapps",
          "data/steamapps/common/game.bin",
          "data",
          "data/x.log",
          "data/sub/deep/y.log",
          "x.log",
          "user/big.bin",
          "user/sub/big.bin",
          "user/worlds/world1.db",
          "user/worlds/world12.db",
          "user/apple",
          "user/zebra",
          "user/cache",
          "data/cache",
          "logs/a.log",
          "logs/a.txt",
          "logs/sub/a.txt",
          "a*b",
          "axb",
          "data/q/x/y",
          "data/q/r/x/y");

  @Test
  void matchesTheSamePathsAsTheJdkGlob() {
    for (String pattern : PATTERNS) {
      var jdk = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      Glob ours = Glob.compile(pattern);
      for (String path : PATHS) {
        assertThat(ours.matches(path))
            .as("%s against %s", pattern, path)
            .isEqualTo(jdk.matches(Path.of(path)));
      }
    }
  }

  @Test
  void aPathologicalPatternIsMatchedInStepsLinearInPathAndPatternSize() {
    String path = "a".repeat(200);
    for (String pattern :
        List.of("**".repeat(120) + "x", "*a".repeat(120) + "x", "**a".repeat(80) + "x")) {
      assertThat(BackupPolicy.excludeProblem(pattern)).as(pattern).isNull();
      long[] steps = new long[1];
      assertThat(Glob.compile(pattern).matches(path, steps)).isFalse();
      assertThat(steps[0])
          .as("steps for %s", pattern)
          .isLessThanOrEqualTo((long) (path.length() + 1) * (pattern.length() + 1));
    }
    // the backup's own predicate uses the same matcher
    assertThat(BackupPolicy.matcher(List.of("**".repeat(120) + "x")).test(path)).isFalse();
    assertThat(BackupPolicy.matcher(List.of("**".repeat(120) + "x")).test(path + "x")).isTrue();
  }

  @Test
  void groupsExpandingBeyondTheLimitAreRefused() {
    String many = "{a,b}".repeat(7); // 128 alternatives
    assertThat(BackupPolicy.excludeProblem(many)).contains("alternatives");
    assertThat(BackupPolicy.excludeProblem("{a,b}".repeat(6))).isNull();
    assertThat(BackupPolicy.matcher(List.of(many)).test("abababa")).isFalse();
  }

  @Test
  void malformedPatternsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Glob.compile("data/[abc")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> Glob.compile("{a,{b,c}}")).hasMessageContaining("nested");
    assertThatThrownBy(() -> Glob.compile("a\\")).hasMessageContaining("escape");
    assertThat(BackupPolicy.excludeProblem("data/{x")).contains("not a valid glob");
  }
}
