package dev.peon.orc.web;

import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The built-in dashboard: a single page (plain ES modules and CSS from {@code /web} on the
 * classpath, nothing from the internet) over {@code /api/v2}. It holds no privilege of its own:
 * every call it makes goes through the API's session, CSRF and permission checks.
 *
 * <pre>
 * GET /                      the page
 * GET /assets/{file}         its scripts, styles and icons (names checked; never a path)
 * GET /login, /new, /account, /servers/{id}[/{tab}], /admin/{page}
 *                            client routes: the page again, for browsers (Accept: text/html) only;
 *                            anything else gets the usual JSON 404
 * </pre>
 *
 * <p>Every answer carries a strict Content-Security-Policy (scripts, styles and connections from
 * this origin only; no inline script or style; no framing), so a user-supplied text that somehow
 * reached the page as markup still could not run.
 */
public final class DashboardRoutes implements Routes {
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self';"
          + " img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";
  static final List<String> CLIENT_ROUTES =
      List.of(
          "/login", "/new", "/account", "/servers/{id}", "/servers/{id}/{tab}", "/admin/{page}");
  private static final Pattern ASSET = Pattern.compile("[a-z0-9][a-z0-9-]{0,40}\\.(js|css|svg)");
  private static final Map<String, String> TYPES =
      Map.of(
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml");

  private record Asset(byte[] bytes, String type, String etag) {}

  private static final String ROOT = "/web";
  private final Asset page;
  private final Map<String, Asset> assets = new ConcurrentHashMap<>();

  public DashboardRoutes() {
    this.page =
        load(ROOT + "/index.html", "text/html; charset=utf-8")
            .orElseThrow(() -> new IllegalStateException(ROOT + "/index.html is missing"));
  }

  @Override
  public void register(Javalin app) {
    app.get("/", ctx -> send(ctx, page));
    app.get("/assets/{file}", this::asset);
    for (String r : CLIENT_ROUTES) {
      app.get(r, this::clientRoute);
    }
  }

  private void clientRoute(Context ctx) {
    String accept = ctx.header("Accept");
    if (accept == null || !accept.contains("text/html")) {
      throw new NotFoundResponse();
    }
    send(ctx, page);
  }

  private void asset(Context ctx) {
    String name = ctx.pathParam("file");
    if (!ASSET.matcher(name).matches()) {
      throw new NotFoundResponse();
    }
    String ext = name.substring(name.lastIndexOf('.') + 1);
    Asset a = assets.get(name);
    if (a == null) {
      // only files that exist are kept, so unknown names cannot grow the map
      a = load(ROOT + "/assets/" + name, TYPES.get(ext)).orElseThrow(NotFoundResponse::new);
      assets.putIfAbsent(name, a);
    }
    send(ctx, a);
  }

  private static void send(Context ctx, Asset a) {
    securityHeaders(ctx);
    // revalidated every time (a 304 on loopback costs nothing); an upgrade is seen at once
    ctx.header("Cache-Control", "no-cache");
    ctx.header("ETag", a.etag());
    if (a.etag().equals(ctx.header("If-None-Match"))) {
      ctx.status(304);
      return;
    }
    ctx.contentType(a.type()).result(a.bytes());
  }

  static void securityHeaders(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cross-Origin-Opener-Policy", "same-origin");
    ctx.header("Cross-Origin-Resource-Policy", "same-origin");
    ctx.header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  }

  private static Optional<Asset> load(String name, String type) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      String etag = "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
      return Optional.of(new Asset(bytes, type, etag));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
