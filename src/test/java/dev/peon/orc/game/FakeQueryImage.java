package dev.peon.orc.game;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The fake game that speaks the real protocols ({@code src/test/resources/fakequery/fakequery.c}:
 * A2S with challenges, Minecraft SLP, a "ready" log line), compiled with {@code gcc -static} and
 * put alone into a scratch image, built locally. The tag carries the source's hash, so a changed
 * source builds a new image.
 */
public final class FakeQueryImage {
  private static final Object LOCK = new Object();

  private FakeQueryImage() {}

  /** Builds the image unless present; returns its name. */
  public static String build() throws Exception {
    byte[] source = TestImages.resource("fakequery/fakequery.c");
    String tag =
        "peon-test/fakequery:"
            + HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(source))
                .substring(0, 12);
    synchronized (LOCK) {
      DockerClient docker = TestDocker.client();
      try {
        try {
          docker.inspectImageCmd(tag).exec();
          return tag;
        } catch (NotFoundException e) {
          // build it
        }
        byte[] binary = compile(source);
        byte[] dockerfile =
            """
            FROM scratch
            COPY fakequery /fakequery
            USER 1000:1000
            ENTRYPOINT ["/fakequery"]
            """
                .getBytes(StandardCharsets.UTF_8);
        var bytes = new ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(bytes)) {
          TestImages.addEntry(tar, "Dockerfile", dockerfile, 0644);
          TestImages.addEntry(tar, "fakequery", binary, 0755);
        }
        TestImages.build(docker, tag, bytes.toByteArray());
        return tag;
      } finally {
        TestDocker.closeQuietly(docker);
      }
    }
  }

  /** The fake game compiled for this host (the benchmark runs it outside Docker). */
  static byte[] compiledBinary() throws IOException, InterruptedException {
    return compile(TestImages.resource("fakequery/fakequery.c"));
  }

  private static byte[] compile(byte[] source) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("fakequery");
    try {
      Path c = dir.resolve("fakequery.c");
      Files.write(c, source);
      Path out = dir.resolve("fakequery");
      Process p =
          new ProcessBuilder("gcc", "-static", "-O2", "-o", out.toString(), c.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("gcc -static failed (gcc and libc6-dev are needed): " + log);
      }
      return Files.readAllBytes(out);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
