package dev.peon.orc.http;

import io.javalin.Javalin;

/** A feature's HTTP routes; each feature lists its paths in one place. */
public interface Routes {
  void register(Javalin app);
}
