package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PushResponseItem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Images for Docker integration tests, built from local files only (nothing is pulled).
 *
 * <p>{@link #fakeGame()} is a busybox image following the PEON steamcmd conventions: see {@code
 * src/test/resources/fakegame/entrypoint.sh}.
 */
public final class TestImages {
  /** The fake game image, built on demand. */
  public static final String FAKE_GAME = "peon-test/fakegame:1";

  private static final Path BUSYBOX = Path.of("/usr/bin/busybox");
  private static final Object BUILD_LOCK = new Object();

  private TestImages() {}

  /** Builds {@link #FAKE_GAME} unless present and returns its name. */
  public static String fakeGame() {
    synchronized (BUILD_LOCK) {
      DockerClient docker = TestDocker.client();
      try {
        if (!exists(docker, FAKE_GAME)) {
          build(docker);
        }
        return FAKE_GAME;
      } finally {
        TestDocker.closeQuietly(docker);
      }
    }
  }

  /**
   * Tags {@code image} as {@code <registry>/<repository>:<tag>}, pushes it to the registry and
   * returns the pushed reference; remove the local tag with {@link #removeTag} when done.
   */
  public static String tagAndPush(
      String image, LocalRegistry registry, String repository, String tag) {
    String target = registry.address() + "/" + repository;
    DockerClient docker = TestDocker.client();
    try {
      docker.tagImageCmd(image, target, tag).exec();
      var error = new AtomicReference<String>();
      var callback =
          docker
              .pushImageCmd(target)
              .withTag(tag)
              .exec(
                  new ResultCallback.Adapter<PushResponseItem>() {
                    @Override
                    public void onNext(PushResponseItem item) {
                      if (item.getErrorDetail() != null) {
                        error.compareAndSet(null, item.getErrorDetail().getMessage());
                      }
                    }
                  });
      if (!callback.awaitCompletion(60, TimeUnit.SECONDS)) {
        throw new AssertionError("push of " + target + ":" + tag + " did not finish in 60 s");
      }
      if (error.get() != null) {
        throw new AssertionError("push of " + target + ":" + tag + " failed: " + error.get());
      }
      return target + ":" + tag;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while pushing " + target, e);
    } finally {
      TestDocker.closeQuietly(docker);
    }
  }

  /** Removes one local tag (not the image other tags still name); no-op when absent. */
  public static void removeTag(String reference) {
    DockerClient docker = TestDocker.client();
    try {
      docker.removeImageCmd(reference).withNoPrune(true).exec();
    } catch (NotFoundException e) {
      // Already gone.
    } finally {
      TestDocker.closeQuietly(docker);
    }
  }

  /**
   * Builds {@code tag} on top of {@link #fakeGame()} with one more layer of {@code size} random
   * (incompressible) bytes: an image whose download takes a while through a slow registry.
   */
  public static String withRandomLayer(String tag, int size) {
    String base = fakeGame();
    byte[] blob = new byte[size];
    new java.util.Random(tag.hashCode()).nextBytes(blob);
    DockerClient docker = TestDocker.client();
    try {
      build(docker, tag, tarOf("FROM " + base + "\nCOPY blob /home/steam/blob\n", blob));
      return tag;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      TestDocker.closeQuietly(docker);
    }
  }

  /**
   * Builds {@code tag} from a build context (a tar with a Dockerfile) on the host's engine, never
   * pulling; a FROM or COPY --from must name local images.
   */
  public static void build(DockerClient docker, String tag, byte[] context) {
    String id =
        docker
            .buildImageCmd()
            .withTarInputStream(new ByteArrayInputStream(context))
            .withTags(Set.of(tag))
            .withPull(false)
            .withRemove(true)
            .exec(new BuildImageResultCallback())
            .awaitImageId(120, TimeUnit.SECONDS);
    if (id == null) {
      throw new AssertionError("building " + tag + " produced no image");
    }
  }

  private static byte[] tarOf(String dockerfile, byte[] blob) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(bytes)) {
      addEntry(
          tar, "Dockerfile", dockerfile.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0644);
      addEntry(tar, "blob", blob, 0644);
    }
    return bytes.toByteArray();
  }

  /**
   * Removes an image reference a test made, and the layers only it used (so a later pull must
   * download them again); no-op when absent.
   */
  public static void removeImage(String reference) {
    DockerClient docker = TestDocker.client();
    try {
      docker.removeImageCmd(reference).exec();
    } catch (NotFoundException e) {
      // Already gone.
    } finally {
      TestDocker.closeQuietly(docker);
    }
  }

  /** Whether the engine has {@code image}. */
  public static boolean exists(DockerClient docker, String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static void build(DockerClient docker) {
    try {
      build(docker, FAKE_GAME, buildContext());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] buildContext() throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      addEntry(tar, "Dockerfile", resource("fakegame/Dockerfile"), 0644);
      addEntry(tar, "entrypoint.sh", resource("fakegame/entrypoint.sh"), 0755);
      addEntry(tar, "busybox", Files.readAllBytes(BUSYBOX), 0755);
    }
    return bytes.toByteArray();
  }

  /** Adds a file to an image build context. */
  public static void addEntry(TarArchiveOutputStream tar, String name, byte[] content, int mode)
      throws IOException {
    var entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    entry.setMode(mode);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** A test resource's bytes. */
  public static byte[] resource(String name) throws IOException {
    try (InputStream in = TestImages.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("test resource missing: " + name);
      }
      return in.readAllBytes();
    }
  }
}
