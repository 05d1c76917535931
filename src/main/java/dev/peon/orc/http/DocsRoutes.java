package dev.peon.orc.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The API description, public (no key):
 *
 * <pre>
 * GET /api/v2/openapi.json   the OpenAPI 3.1 document of v1 and v2
 * GET /openapi.json          the same document, where PEON clients look for it
 * GET /api/docs              a self-contained page rendering that document
 * </pre>
 */
public final class DocsRoutes implements Routes {
  public static final String DOCUMENT = "/api/v2/openapi.json";
  public static final String LEGACY_DOCUMENT = "/openapi.json";
  public static final String PAGE = "/api/docs";

  private final byte[] document = resource("/openapi.json");
  private final byte[] page = resource("/docs/index.html");

  @Override
  public void register(Javalin app) {
    app.get(DOCUMENT, this::document);
    app.get(LEGACY_DOCUMENT, this::document);
    app.get(PAGE, this::page);
  }

  private void document(Context ctx) {
    ctx.header("Cache-Control", "no-cache").contentType("application/json").result(document);
  }

  private void page(Context ctx) {
    ctx.header("Cache-Control", "no-cache").contentType("text/html; charset=utf-8").result(page);
  }

  private static byte[] resource(String name) {
    try (InputStream in = DocsRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
