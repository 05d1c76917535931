package dev.peon.orc.plan;

/**
 * A plan mount: {@code source} as written in the plan ({@code ~!/data} means the server folder's
 * {@code data}), {@code target} the container path.
 */
public record VolumeMount(String source, String target) {
  public static final String SERVER_DIR_PREFIX = "~!";
}
