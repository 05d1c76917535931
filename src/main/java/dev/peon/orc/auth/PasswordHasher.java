package dev.peon.orc.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (Bouncy Castle), stored as a PHC string: {@code
 * $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (OWASP's recommended minimum parameters).
 */
public final class PasswordHasher {
  private static final int MEMORY_KIB = 19456;
  private static final int ITERATIONS = 2;
  private static final int PARALLELISM = 1;
  private static final int HASH_BYTES = 32;
  private final SecureRandom random = new SecureRandom();

  public String hash(char[] password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v=19$m="
        + MEMORY_KIB
        + ",t="
        + ITERATIONS
        + ",p="
        + PARALLELISM
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(out);
  }

  /** Checks a password against a stored PHC string, in constant time. */
  public boolean verify(char[] password, String stored) {
    try {
      String[] parts = stored.split("\\$");
      if (parts.length != 6 || !parts[1].equals("argon2id")) {
        return false;
      }
      int m = 0;
      int t = 0;
      int p = 0;
      for (String kv : parts[3].split(",")) {
        String[] e = kv.split("=");
        switch (e[0]) {
          case "m" -> m = Integer.parseInt(e[1]);
          case "t" -> t = Integer.parseInt(e[1]);
          case "p" -> p = Integer.parseInt(e[1]);
          default -> {
            return false;
          }
        }
      }
      byte[] salt = Base64.getDecoder().decode(parts[4]);
      byte[] expected = Base64.getDecoder().decode(parts[5]);
      byte[] actual = derive(password, salt, m, t, p);
      return MessageDigest.isEqual(expected, actual);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static byte[] derive(char[] password, byte[] salt, int m, int t, int p) {
    Argon2Parameters params =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(m)
            .withIterations(t)
            .withParallelism(p)
            .withSalt(salt)
            .build();
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(params);
    byte[] out = new byte[HASH_BYTES];
    gen.generateBytes(new String(password).getBytes(StandardCharsets.UTF_8), out);
    return out;
  }
}
