package dev.peon.orc.auth;

import dev.peon.orc.config.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the first owner account at first start: with the configured password, or a generated one
 * written owner-readable-only to {@code <data>/owner-password}. The log says where, never what.
 */
public final class OwnerBootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerBootstrap.class);

  private OwnerBootstrap() {}

  public static void ensureOwner(IdentityService ids, String name, Secret password, Path dataDir) {
    Path file = dataDir.resolve("owner-password");
    if (ids.hasUsers()) {
      // the file is deleted when the password is changed: while it is there, it is still in use
      if (password == null && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        ids.findByName(name).ifPresent(u -> ids.passwordGenerated(u.id(), file));
      }
      return;
    }
    if (password != null) {
      ids.createUser(name, password.value().toCharArray(), Role.OWNER);
      LOG.atInfo()
          .addKeyValue("user", name)
          .log(
              "owner account created with the configured password; log in with POST /api/v2/login");
      return;
    }
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    try {
      Path tmp = dataDir.resolve(".owner-password.tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, generated + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    User owner = ids.createUser(name, generated.toCharArray(), Role.OWNER);
    ids.passwordGenerated(owner.id(), file);
    LOG.atInfo()
        .addKeyValue("user", name)
        .addKeyValue("passwordFile", file.toAbsolutePath())
        .log(
            "owner account created; its password is in the file named here (readable by this"
                + " user only): log in with POST /api/v2/login, then change it and delete the file");
  }
}
