package dev.peon.orc.server;

import java.security.SecureRandom;
import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/** Generates server names such as {@code silentbrook}, retrying on collision. */
final class NameGenerator {
  private static final List<String> FIRST =
      List.of(
          "silent", "amber", "iron", "misty", "frozen", "golden", "hidden", "lonely", "rapid",
          "shadow", "stone", "storm", "sunny", "wild", "crimson", "ancient", "bright", "cold",
          "dusty", "green");
  private static final List<String> SECOND =
      List.of(
          "brook", "peak", "forge", "vale", "haven", "ridge", "hollow", "field", "keep", "marsh",
          "grove", "reach", "crag", "ford", "watch", "camp", "den", "fall", "moor", "wood");
  private final RandomGenerator random;

  NameGenerator(RandomGenerator random) {
    this.random = random;
  }

  NameGenerator() {
    this(new SecureRandom());
  }

  String generate(Predicate<String> taken) {
    for (int i = 0; i < 50; i++) {
      String n =
          FIRST.get(random.nextInt(FIRST.size())) + SECOND.get(random.nextInt(SECOND.size()));
      if (i >= 20) {
        n = n + random.nextInt(1000);
      }
      if (!taken.test(n)) {
        return n;
      }
    }
    throw new ServerException(ServerException.Kind.INTERNAL, "could not generate a free name");
  }
}
