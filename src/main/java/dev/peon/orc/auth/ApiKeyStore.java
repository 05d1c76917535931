package dev.peon.orc.auth;

import dev.peon.orc.config.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the v1 API key. The configured key wins; otherwise the key stored in {@code
 * <dataDir>/api-key} is used; otherwise a random key is generated and stored there, readable by the
 * owner only. The file's location is logged, never the key.
 */
public final class ApiKeyStore {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyStore.class);
  static final String FILE_NAME = "api-key";
  private static final int KEY_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path dataDir;
  private final SecureRandom random;

  public ApiKeyStore(Path dataDir) {
    this(dataDir, new SecureRandom());
  }

  ApiKeyStore(Path dataDir, SecureRandom random) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * The key to accept.
   *
   * @param configured the key from configuration, or null when none is set
   * @throws UncheckedIOException when the key file cannot be read or written
   */
  public Secret resolve(Secret configured) {
    if (configured != null) {
      return configured;
    }
    Path file = keyFile();
    try {
      if (Files.exists(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!stored.isEmpty()) {
          tightenPermissions(file);
          LOG.atInfo().addKeyValue("file", file).log("using the stored API key");
          return new Secret(stored);
        }
        LOG.atWarn().addKeyValue("file", file).log("API key file is empty; generating a new key");
      }
      Secret generated = generate();
      write(file, generated);
      LOG.atInfo()
          .addKeyValue("file", file)
          .log("generated an API key; read it from the file to configure clients");
      return generated;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the API key file " + file, e);
    }
  }

  /** Where a generated key is kept. */
  public Path keyFile() {
    return dataDir.resolve(FILE_NAME);
  }

  private Secret generate() {
    byte[] bytes = new byte[KEY_BYTES];
    random.nextBytes(bytes);
    return new Secret(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /** Writes to an owner-only temporary file first, then renames it into place atomically. */
  private void write(Path file, Secret key) throws IOException {
    Files.createDirectories(dataDir);
    boolean posix = isPosix();
    Path tmp =
        posix
            ? Files.createTempFile(
                dataDir, "." + FILE_NAME, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
            : Files.createTempFile(dataDir, "." + FILE_NAME, ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap((key.value() + "\n").getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void tightenPermissions(Path file) throws IOException {
    if (!isPosix()) {
      return;
    }
    Set<PosixFilePermission> current = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY.containsAll(current)) {
      Files.setPosixFilePermissions(file, OWNER_ONLY);
      LOG.atWarn()
          .addKeyValue("file", file)
          .log("API key file was readable by others; restricted it to its owner");
    }
  }

  private boolean isPosix() {
    return dataDir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
