package dev.peon.orc.runtime;

import java.util.Map;

/** An image's id and its configured environment variables. */
public record ImageInfo(String id, Map<String, String> env) {
  public ImageInfo {
    env = Map.copyOf(env);
  }
}
