package dev.peon.orc.notify;

import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerRoutes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The {@code /api/v2} webhook resources: global ones under {@code /api/v2/webhooks}, a server's
 * under {@code /api/v2/servers/{id}/webhooks}; the same operations under both.
 *
 * <pre>
 * GET    .../webhooks                    list
 * POST   .../webhooks                    create {url, format?, name?, events?, secret?, enabled?}
 * GET    .../webhooks/{wid}              one
 * PATCH  .../webhooks/{wid}              any of url, format, name, events, secret, enabled
 * DELETE .../webhooks/{wid}              -> 204
 * POST   .../webhooks/{wid}/test         send a test notification -> 202 {delivery}
 * GET    .../webhooks/{wid}/deliveries   the last deliveries (?limit=1..50)
 * </pre>
 */
public final class WebhookRoutes implements Routes {
  private static final String GLOBAL = "/api/v2/webhooks";
  private static final String PER_SERVER = "/api/v2/servers/{id}/webhooks";
  private static final Pattern SECRET = Pattern.compile("[\\x21-\\x7e]{16,256}");
  private static final String SECRET_HINT =
      "must be 16 to 256 printable ASCII characters without spaces";

  private final WebhookService webhooks;
  private final Predicate<ServerId> serverExists;

  /**
   * @param serverExists tells whether a server is known (the server feature answers it)
   */
  public WebhookRoutes(WebhookService webhooks, Predicate<ServerId> serverExists) {
    this.webhooks = webhooks;
    this.serverExists = serverExists;
  }

  @Override
  public void register(Javalin app) {
    for (String base : new String[] {GLOBAL, PER_SERVER}) {
      app.get(base, this::list);
      app.post(base, this::create);
      app.get(base + "/{wid}", this::get);
      app.patch(base + "/{wid}", this::patch);
      app.delete(base + "/{wid}", this::delete);
      app.post(base + "/{wid}/test", this::test);
      app.get(base + "/{wid}/deliveries", this::deliveries);
    }
  }

  // ------------------------------------------------------------ handlers

  private void list(Context ctx) {
    ServerId scope = scope(ctx);
    List<Map<String, Object>> items = new ArrayList<>();
    for (Webhook w : webhooks.list(scope)) {
      items.add(json(w));
    }
    ctx.json(Map.of("items", items));
  }

  private void get(Context ctx) {
    ServerId scope = scope(ctx);
    ctx.json(json(existing(scope, webhookId(ctx))));
  }

  private void create(Context ctx) {
    ServerId scope = scope(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    Optional<WebhookUrl> url = url(in);
    if (!in.has("url")) {
      in.reject("url", "is required");
    }
    Optional<WebhookFormat> format = format(in);
    Optional<String> name = name(in);
    Optional<Set<NotificationKind>> events = events(in);
    Optional<String> secret = secret(in);
    boolean enabled = in.bool("enabled").orElse(true);
    in.finish();
    WebhookUrl u = url.orElseThrow();
    Webhook w;
    try {
      w =
          webhooks.create(
              scope,
              new WebhookService.Settings(
                  name.map(WebhookRoutes::emptyAsNull).orElse(null),
                  u,
                  format.orElseGet(() -> guessFormat(u)),
                  events.orElse(Set.of()),
                  secret.map(WebhookRoutes::emptyAsNull).orElse(null),
                  enabled));
    } catch (WebhookService.TooManyException e) {
      throw new ProblemException(Problem.of("conflict", 409, e.getMessage()));
    }
    ctx.status(201);
    ctx.header("Location", base(scope) + "/" + w.id().value());
    ctx.json(json(w));
  }

  private void patch(Context ctx) {
    ServerId scope = scope(ctx);
    WebhookId id = webhookId(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    Optional<WebhookUrl> url = url(in);
    Optional<WebhookFormat> format = format(in);
    Optional<String> name = name(in);
    Optional<Set<NotificationKind>> events = events(in);
    Optional<String> secret = secret(in);
    Optional<Boolean> enabled = in.bool("enabled");
    in.finish();
    Webhook current = existing(scope, id);
    WebhookService.Settings s =
        new WebhookService.Settings(
            name.isPresent() ? emptyAsNull(name.get()) : current.name(),
            url.orElse(current.url()),
            format.orElse(current.format()),
            events.orElse(current.events()),
            secret.isPresent() ? emptyAsNull(secret.get()) : current.secret(),
            enabled.orElse(current.enabled()));
    ctx.json(json(webhooks.change(scope, id, s).orElseThrow(() -> notFound(scope, id))));
  }

  private void delete(Context ctx) {
    ServerId scope = scope(ctx);
    WebhookId id = webhookId(ctx);
    if (!webhooks.delete(scope, id)) {
      throw notFound(scope, id);
    }
    ctx.status(204);
  }

  private void test(Context ctx) {
    ServerId scope = scope(ctx);
    Webhook w = existing(scope, webhookId(ctx));
    long delivery = webhooks.test(w);
    ctx.status(202);
    ctx.json(Map.of("webhook", w.id().value(), "delivery", delivery));
  }

  private void deliveries(Context ctx) {
    ServerId scope = scope(ctx);
    Webhook w = existing(scope, webhookId(ctx));
    String raw = ctx.queryParam("limit");
    int limit = 20;
    if (raw != null) {
      if (!raw.matches("[0-9]{1,3}")
          || Integer.parseInt(raw) < 1
          || Integer.parseInt(raw) > WebhookRepository.KEEP_DELIVERIES) {
        throw new ProblemException(
            Problem.invalid(
                "limit", "must be a whole number from 1 to " + WebhookRepository.KEEP_DELIVERIES));
      }
      limit = Integer.parseInt(raw);
    }
    List<Map<String, Object>> items = new ArrayList<>();
    for (Delivery d : webhooks.deliveries(w.id(), limit)) {
      items.add(json(d));
    }
    ctx.json(Map.of("items", items));
  }

  // ------------------------------------------------------------ input

  /** The server of a per-server path (which must exist), or null on the global paths. */
  private ServerId scope(Context ctx) {
    if (!ctx.pathParamMap().containsKey("id")) {
      return null;
    }
    return ServerRoutes.knownServer(ctx, serverExists);
  }

  private static WebhookId webhookId(Context ctx) {
    try {
      return new WebhookId(ctx.pathParam("wid"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("wid", e.getMessage()));
    }
  }

  private Webhook existing(ServerId scope, WebhookId id) {
    return webhooks.find(scope, id).orElseThrow(() -> notFound(scope, id));
  }

  private static ProblemException notFound(ServerId scope, WebhookId id) {
    String owner =
        scope == null
            ? "There is no global webhook "
            : "Server [" + scope.uid() + "] has no webhook ";
    return new ProblemException(Problem.of("not-found", 404, owner + id.value() + "."));
  }

  private static String base(ServerId scope) {
    return scope == null ? GLOBAL : "/api/v2/servers/" + scope.uid() + "/webhooks";
  }

  private static Optional<WebhookUrl> url(JsonInput in) {
    return in.string("url", WebhookUrl.MAX_LENGTH + 1)
        .flatMap(
            text -> {
              try {
                return Optional.of(WebhookUrl.parse(text));
              } catch (IllegalArgumentException e) {
                in.reject("url", e.getMessage()); // never the URL itself: it may hold a token
                return Optional.empty();
              }
            });
  }

  private static Optional<WebhookFormat> format(JsonInput in) {
    return in.string("format", 16)
        .flatMap(
            w -> {
              Optional<WebhookFormat> f = WebhookFormat.fromWire(w);
              if (f.isEmpty()) {
                in.reject("format", "must be json or discord");
              }
              return f;
            });
  }

  private static Optional<String> name(JsonInput in) {
    return in.string("name", 100, Pattern.compile("[^\\p{Cntrl}]*"), "must not contain controls");
  }

  private static Optional<String> secret(JsonInput in) {
    return in.string("secret", 256)
        .flatMap(
            s -> {
              if (!s.isEmpty() && !SECRET.matcher(s).matches()) {
                in.reject("secret", SECRET_HINT);
                return Optional.empty();
              }
              return Optional.of(s);
            });
  }

  private static Optional<Set<NotificationKind>> events(JsonInput in) {
    return in.stringList("events", 20, 40)
        .map(
            words -> {
              Set<NotificationKind> out = EnumSet.noneOf(NotificationKind.class);
              for (int i = 0; i < words.size(); i++) {
                Optional<NotificationKind> k = NotificationKind.fromWire(words.get(i));
                if (k.isEmpty() || k.get() == NotificationKind.TEST) {
                  in.reject("events[" + i + "]", "must be one of " + NotificationKind.filterable());
                } else {
                  out.add(k.get());
                }
              }
              return out;
            });
  }

  /** An empty name or secret clears it. */
  private static String emptyAsNull(String s) {
    return s.isEmpty() ? null : s;
  }

  /** Discord's own webhook URLs get the Discord format unless told otherwise. */
  static WebhookFormat guessFormat(WebhookUrl url) {
    String host = url.uri().getHost().toLowerCase(java.util.Locale.ROOT);
    boolean discord =
        (host.equals("discord.com")
                || host.endsWith(".discord.com")
                || host.equals("discordapp.com")
                || host.endsWith(".discordapp.com"))
            && url.uri().getPath() != null
            && url.uri().getPath().startsWith("/api/webhooks/");
    return discord ? WebhookFormat.DISCORD : WebhookFormat.JSON;
  }

  // ------------------------------------------------------------ output

  /** The wire form: the URL masked, the secret never shown (only whether one is set). */
  static Map<String, Object> json(Webhook w) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", w.id().value());
    m.put("server", w.server() == null ? null : w.server().uid());
    m.put("name", w.name());
    m.put("url", w.url().masked());
    m.put("format", w.format().wire());
    List<String> events = new ArrayList<>();
    for (NotificationKind k : NotificationKind.values()) {
      if (w.events().contains(k)) {
        events.add(k.wire());
      }
    }
    m.put("events", events);
    m.put("secretSet", w.secret() != null);
    m.put("enabled", w.enabled());
    m.put("createdAt", w.createdAt().toString());
    return m;
  }

  static Map<String, Object> json(Delivery d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("event", d.event());
    m.put("server", d.server());
    m.put("status", d.status().wire());
    m.put("attempts", d.attempts());
    m.put("httpStatus", d.httpStatus());
    m.put("error", d.error());
    m.put("createdAt", d.createdAt().toString());
    m.put("updatedAt", d.updatedAt().toString());
    m.put("nextAttemptAt", d.nextAttemptAt() == null ? null : d.nextAttemptAt().toString());
    return m;
  }
}
