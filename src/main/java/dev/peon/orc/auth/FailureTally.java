package dev.peon.orc.auth;

import dev.peon.orc.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Audits refused authentication in aggregate, so that an anonymous client cannot write one audit
 * entry (and one fsync) per request. Per client address, an <em>episode</em> runs from its first
 * refusal until {@code quiet} has passed since its last one and any lock-out has ended; it ends in
 * one {@code auth.failed} entry with the counts. A lock-out is also recorded when it starts ({@code
 * auth.lockout}). Ended episodes are written at the next refusal or request ({@link #flushDue}) and
 * at shutdown ({@link #flushAll}). At most {@code maxTracked} addresses are held; the oldest
 * episode is written out early to make room. Thread-safe.
 */
public final class FailureTally {
  static final int MAX_LISTED = 10;

  /** The source of the episode that gathers addresses evicted to bound memory. */
  static final String MANY = "(many addresses)";

  private final AuditLog audit;
  private final Clock clock;
  private final Duration quiet;
  private final int maxTracked;
  private final Map<String, Episode> episodes = new LinkedHashMap<>();
  private Instant nextDue = Instant.MAX;

  /** What was refused. */
  enum Kind {
    /** A wrong, revoked or expired key or an unknown session. */
    WRONG_CREDENTIAL,
    /** No credential at all. */
    NO_CREDENTIAL,
    /** Refused unread during a lock-out (429). */
    THROTTLED
  }

  public FailureTally(AuditLog audit, Clock clock) {
    this(audit, clock, AuthThrottle.DEFAULT_WINDOW, AuthThrottle.DEFAULT_MAX_TRACKED);
  }

  FailureTally(AuditLog audit, Clock clock, Duration quiet, int maxTracked) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.clock = clock;
    this.quiet = quiet;
    this.maxTracked = maxTracked;
  }

  private static final class Episode {
    final String address;
    final Instant first;
    Instant last;
    Instant lockedUntil;
    int wrong;
    int missing;
    int throttled;
    int lockouts;
    int addresses;
    final Set<String> keyIds = new LinkedHashSet<>();
    final Set<String> paths = new LinkedHashSet<>();
    final Set<String> names = new LinkedHashSet<>();

    Episode(String address, Instant first) {
      this.address = address;
      this.first = first;
      this.last = first;
      this.addresses = address.equals(MANY) ? 0 : 1;
    }

    void absorb(Episode other) {
      last = other.last.isAfter(last) ? other.last : last;
      if (other.lockedUntil != null
          && (lockedUntil == null || other.lockedUntil.isAfter(lockedUntil))) {
        lockedUntil = other.lockedUntil;
      }
      wrong += other.wrong;
      missing += other.missing;
      throttled += other.throttled;
      lockouts += other.lockouts;
      addresses += other.addresses;
      other.keyIds.forEach(k -> addLimited(keyIds, k));
      other.paths.forEach(k -> addLimited(paths, k));
      other.names.forEach(k -> addLimited(names, k));
    }

    Instant endsAt(Duration quiet) {
      Instant e = last.plus(quiet);
      return lockedUntil != null && lockedUntil.isAfter(e) ? lockedUntil : e;
    }
  }

  /**
   * Counts one refusal of {@code address}.
   *
   * @param keyId the public id of the key presented, if it had one
   * @param path the request path (no query)
   * @param lockedUntil when the address's or credential's lock-out ends, if one is running
   */
  public void refused(Kind kind, String address, String keyId, String path, Instant lockedUntil) {
    refused(kind, address, keyId, path, null, lockedUntil);
  }

  /** As {@link #refused(Kind, String, String, String, Instant)}, for a login naming an account. */
  void refused(
      Kind kind, String address, String keyId, String path, String account, Instant lockedUntil) {
    List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
    synchronized (this) {
      Instant now = clock.instant();
      Episode e = episodes.get(address);
      if (e != null && !now.isBefore(e.endsAt(quiet))) {
        out.add(summary(episodes.remove(address)));
        e = null;
      }
      if (e == null) {
        if (episodes.size() >= maxTracked) {
          // folded into one episode of many addresses, so that fresh addresses (an IPv6 range)
          // cannot buy an entry each
          episodes.keySet().stream()
              .filter(a -> !a.equals(MANY))
              .findFirst()
              .map(episodes::remove)
              .ifPresent(
                  evicted ->
                      episodes
                          .computeIfAbsent(MANY, a -> new Episode(MANY, evicted.first))
                          .absorb(evicted));
        }
        e = new Episode(address, now);
        episodes.put(address, e);
      }
      e.last = now;
      switch (kind) {
        case WRONG_CREDENTIAL -> e.wrong++;
        case NO_CREDENTIAL -> e.missing++;
        case THROTTLED -> e.throttled++;
      }
      addLimited(e.keyIds, keyId);
      addLimited(e.paths, path);
      addLimited(e.names, account);
      if (lockedUntil != null && (e.lockedUntil == null || lockedUntil.isAfter(e.lockedUntil))) {
        e.lockedUntil = lockedUntil;
      }
      Instant due = e.endsAt(quiet);
      if (due.isBefore(nextDue)) {
        nextDue = due;
      }
    }
    write(out);
  }

  /** Records that a lock-out of {@code address} (or of a credential used from it) started. */
  public void lockedOut(String address, String throttled, Duration lockout, String keyId) {
    Map<String, Object> params = new LinkedHashMap<>();
    int count;
    synchronized (this) {
      Episode e = episodes.get(address);
      count = e == null ? 0 : e.wrong + e.missing;
      if (e != null) {
        e.lockouts++;
        Instant until = clock.instant().plus(lockout);
        if (e.lockedUntil == null || until.isAfter(e.lockedUntil)) {
          e.lockedUntil = until;
        }
      }
    }
    params.put(
        "lockedOut",
        throttled.equals(address)
            ? "address"
            : throttled.startsWith("account:") ? "account" : "credential");
    params.put("failures", count);
    params.put("seconds", lockout.toSeconds());
    if (keyId != null) {
      params.put("idPresented", keyId);
    }
    audit.append(
        new AuditLog.Record(
            "anonymous", null, address, null, "auth.lockout", null, "denied", params));
  }

  /** Writes the episodes that have ended; cheap when none has. */
  public void flushDue() {
    List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
    synchronized (this) {
      Instant now = clock.instant();
      if (now.isBefore(nextDue)) {
        return;
      }
      Instant next = Instant.MAX;
      var it = episodes.values().iterator();
      while (it.hasNext()) {
        Episode e = it.next();
        Instant end = e.endsAt(quiet);
        if (!now.isBefore(end)) {
          out.add(summary(e));
          it.remove();
        } else if (end.isBefore(next)) {
          next = end;
        }
      }
      nextDue = next;
    }
    write(out);
  }

  /** Writes every episode, ended or not (at shutdown). */
  public void flushAll() {
    List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
    synchronized (this) {
      episodes.values().forEach(e -> out.add(summary(e)));
      episodes.clear();
      nextDue = Instant.MAX;
    }
    write(out);
  }

  synchronized int open() {
    return episodes.size();
  }

  private static void addLimited(Set<String> set, String value) {
    if (value != null && set.size() < MAX_LISTED) {
      set.add(value);
    }
  }

  private static Map.Entry<String, Map<String, Object>> summary(Episode e) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("wrong", e.wrong); // field names with "key" or "credential" would be redacted
    p.put("unidentified", e.missing);
    p.put("throttled", e.throttled);
    p.put("lockouts", e.lockouts);
    if (e.address.equals(MANY)) {
      p.put("addresses", e.addresses);
    }
    p.put("first", e.first.toString());
    p.put("last", e.last.toString());
    if (!e.keyIds.isEmpty()) {
      p.put("idsPresented", List.copyOf(e.keyIds)); // "key" in a name would be redacted
    }
    if (!e.names.isEmpty()) {
      p.put("accounts", List.copyOf(e.names));
    }
    p.put("paths", List.copyOf(e.paths));
    return Map.entry(e.address, p);
  }

  private void write(List<Map.Entry<String, Map<String, Object>>> summaries) {
    for (var s : summaries) {
      audit.append(
          new AuditLog.Record(
              "anonymous", null, s.getKey(), null, "auth.failed", null, "denied", s.getValue()));
    }
  }
}
