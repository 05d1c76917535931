package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.Secret;
import dev.peon.orc.testing.CapturedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {
  @TempDir Path dir;

  @Test
  void generatesAnOwnerOnlyKeyFileAndReusesItOnTheNextStart() throws Exception {
    Path data = dir.resolve("data");
    Secret first = new ApiKeyStore(data).resolve(null);

    Path file = data.resolve("api-key");
    assertThat(file).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file).strip()).isEqualTo(first.value());
    assertThat(Base64.getUrlDecoder().decode(first.value())).hasSize(32);
    try (var leftovers = Files.list(data)) {
      assertThat(leftovers).containsExactly(file);
    }

    Secret second = new ApiKeyStore(data).resolve(null);
    assertThat(second.value()).isEqualTo(first.value());
  }

  @Test
  void logsWhereTheGeneratedKeyIsButNotTheKey() {
    try (CapturedLogs logs = new CapturedLogs(ApiKeyStore.class)) {
      Secret key = new ApiKeyStore(dir).resolve(null);
      assertThat(logs.lines())
          .anyMatch(line -> line.startsWith("INFO") && line.contains("api-key"));
      assertThat(logs.lines()).noneMatch(line -> line.contains(key.value()));
    }
  }

  @Test
  void generatedKeysDiffer() {
    Secret a = new ApiKeyStore(dir.resolve("a")).resolve(null);
    Secret b = new ApiKeyStore(dir.resolve("b")).resolve(null);
    assertThat(a.value()).isNotEqualTo(b.value());
  }

  @Test
  void configuredKeyWinsAndNoFileIsWritten() {
    Secret configured = new Secret("from-config");
    Secret resolved = new ApiKeyStore(dir).resolve(configured);
    assertThat(resolved).isSameAs(configured);
    assertThat(dir.resolve("api-key")).doesNotExist();
  }

  @Test
  void readsAnExistingFileTrimmed() throws Exception {
    Files.writeString(dir.resolve("api-key"), "  operator-chosen-key \n");
    assertThat(new ApiKeyStore(dir).resolve(null).value()).isEqualTo("operator-chosen-key");
  }

  @Test
  void restrictsAnExistingKeyFileThatOthersCanRead() throws Exception {
    Path file = dir.resolve("api-key");
    Files.writeString(file, "key");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    new ApiKeyStore(dir).resolve(null);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void replacesAnEmptyKeyFile() throws Exception {
    Files.writeString(dir.resolve("api-key"), " \n");
    Secret key = new ApiKeyStore(dir).resolve(null);
    assertThat(Files.readString(dir.resolve("api-key")).strip()).isEqualTo(key.value());
  }
}
