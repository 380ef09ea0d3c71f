package dev.prism.runtime.http;

import dev.prism.runtime.security.ClusterToken;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Who may use the HTTP server: a request carries the cluster token as {@code Authorization: Bearer
 * TOKEN} (scripts, Prometheus' {@code authorization} setting, the command line), or the cookie a
 * login set (browsers). The login page ({@code /login}) takes the token from a form, or from the
 * link {@code prism start --head} prints ({@code /login#token=...}: the token stays in the
 * fragment, which browsers never send or log), checks it in constant time and sets an HttpOnly,
 * SameSite=Strict session cookie. A browser request that changes something (any method but GET and
 * HEAD) must also carry the header {@value #CSRF_HEADER}, which other sites' pages cannot set.
 * Failed logins are limited per client address.
 */
public final class HttpAuth {

  /** The session cookie's name. */
  public static final String COOKIE = "prism_session";

  /** The header a cookie-authenticated request that changes something must carry. */
  public static final String CSRF_HEADER = "X-Prism-Request";

  /** How long a login lasts. */
  static final Duration SESSION_TTL = Duration.ofHours(12);

  static final int MAX_SESSIONS = 1024;
  static final int MAX_FAILED_LOGINS = 10;
  static final Duration FAILED_LOGIN_WINDOW = Duration.ofMinutes(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ClusterToken token;
  private final LongSupplier nanoClock;
  private final String cookieAttributes;
  private final Map<String, Long> sessions = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  /**
   * Creates the check for a cluster's token.
   *
   * @param token the cluster token
   * @param secure whether the server speaks HTTPS (then the session cookie is {@code Secure}: a
   *     browser never sends it over plain HTTP)
   */
  public HttpAuth(ClusterToken token, boolean secure) {
    this(token, secure, System::nanoTime);
  }

  HttpAuth(ClusterToken token, LongSupplier nanoClock) {
    this(token, false, nanoClock);
  }

  HttpAuth(ClusterToken token, boolean secure, LongSupplier nanoClock) {
    this.token = token;
    this.nanoClock = nanoClock;
    this.cookieAttributes = "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
  }

  /**
   * Checks a request.
   *
   * @param request the request
   * @return empty when it may go on; else the answer: a redirect to the login page for a browser's
   *     page request, 401 (with {@code WWW-Authenticate}) or 403 otherwise
   */
  public Optional<Response> check(Request request) {
    Optional<String> bearer =
        request
            .header("authorization")
            .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(h -> h.substring(7).strip());
    if (bearer.isPresent()) {
      return token.matches(bearer.get())
          ? Optional.empty()
          : Optional.of(unauthorized("the bearer token is not this cluster's token"));
    }
    Optional<String> session = cookie(request, COOKIE);
    if (session.isPresent() && validSession(session.get())) {
      boolean safe = request.method().equals("GET") || request.method().equals("HEAD");
      if (!safe && request.header(CSRF_HEADER).isEmpty()) {
        return Optional.of(
            Response.error(
                403,
                "a browser request that changes something must carry the "
                    + CSRF_HEADER
                    + " header (the dashboard sends it)"));
      }
      return Optional.empty();
    }
    boolean page =
        request.method().equals("GET")
            && request.header("accept").map(a -> a.contains("text/html")).orElse(false);
    if (page) {
      return Optional.of(Response.redirect("/login"));
    }
    return Optional.of(
        unauthorized(
            session.isPresent()
                ? "the session has ended; log in again at /login"
                : "this server needs the cluster token: send 'Authorization: Bearer TOKEN' (the"
                    + " token is the head's session file cluster_token), or log in at /login"));
  }

  /**
   * Answers the login page: GET shows the form, POST (form field {@code token}) checks the token
   * and sets the session cookie, then redirects to the dashboard.
   *
   * @param request the request to {@code /login}
   * @return the response
   */
  public Response login(Request request) {
    if (!request.method().equals("POST")) {
      return loginPage(200, "");
    }
    String client = request.remoteAddress();
    if (tooManyFailures(client)) {
      return loginPage(429, "Too many failed logins from this address; wait a minute.")
          .withHeader("Retry-After", Long.toString(FAILED_LOGIN_WINDOW.toSeconds()));
    }
    String presented = formField(request.bodyText(), "token").orElse("");
    if (!token.matches(presented.strip())) {
      recordFailure(client);
      return loginPage(401, "That is not this cluster's token.");
    }
    String id = newSession();
    return Response.redirect("/")
        .withHeader(
            "Set-Cookie",
            COOKIE + "=" + id + cookieAttributes + "; Max-Age=" + SESSION_TTL.toSeconds());
  }

  /**
   * Ends the request's session, if any.
   *
   * @param request the request to {@code /logout}
   * @return a redirect to the login page that clears the cookie
   */
  public Response logout(Request request) {
    cookie(request, COOKIE).ifPresent(sessions::remove);
    return Response.redirect("/login")
        .withHeader("Set-Cookie", COOKIE + "=" + cookieAttributes + "; Max-Age=0");
  }

  /** The number of live sessions, for tests. */
  int sessionCount() {
    return sessions.size();
  }

  private String newSession() {
    long now = nanoClock.getAsLong();
    sessions.values().removeIf(expiry -> expiry - now <= 0);
    while (sessions.size() >= MAX_SESSIONS) {
      // The one that ends first goes: a flood of logins cannot grow the table without bound.
      sessions.entrySet().stream()
          .min(Map.Entry.comparingByValue())
          .ifPresent(e -> sessions.remove(e.getKey()));
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String id = HexFormat.of().formatHex(bytes);
    sessions.put(id, now + SESSION_TTL.toNanos());
    return id;
  }

  private boolean validSession(String id) {
    Long expiry = sessions.get(id);
    if (expiry == null) {
      return false;
    }
    if (expiry - nanoClock.getAsLong() <= 0) {
      sessions.remove(id);
      return false;
    }
    return true;
  }

  private boolean tooManyFailures(String client) {
    Deque<Long> times = failures.get(client);
    if (times == null) {
      return false;
    }
    synchronized (times) {
      prune(times);
      return times.size() >= MAX_FAILED_LOGINS;
    }
  }

  private void recordFailure(String client) {
    if (failures.size() > 10_000) {
      failures.clear();
    }
    Deque<Long> times = failures.computeIfAbsent(client, c -> new ArrayDeque<>());
    synchronized (times) {
      prune(times);
      times.addLast(nanoClock.getAsLong());
    }
  }

  private void prune(Deque<Long> times) {
    long now = nanoClock.getAsLong();
    for (Iterator<Long> it = times.iterator(); it.hasNext(); ) {
      if (now - it.next() > FAILED_LOGIN_WINDOW.toNanos()) {
        it.remove();
      } else {
        break;
      }
    }
  }

  static Optional<String> cookie(Request request, String name) {
    for (String header : request.headers().getOrDefault("cookie", java.util.List.of())) {
      for (String part : header.split(";")) {
        String p = part.strip();
        int eq = p.indexOf('=');
        if (eq > 0 && p.substring(0, eq).equals(name)) {
          return Optional.of(p.substring(eq + 1));
        }
      }
    }
    return Optional.empty();
  }

  static Optional<String> formField(String body, String name) {
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        try {
          return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static Response unauthorized(String message) {
    return Response.error(401, message).withHeader("WWW-Authenticate", "Bearer realm=\"prism\"");
  }

  private static Response loginPage(int status, String message) {
    String html =
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Prism: log in</title>
        <link rel="stylesheet" href="/static/style.css"></head>
        <body class="login"><main>
        <h1>Prism</h1>
        <p>This cluster's dashboard needs its token: the file <code>cluster_token</code> in the
        head's session directory, or the link <code>prism start --head</code> printed.</p>
        <p id="message" class="error">%s</p>
        <form id="login" method="post" action="/login">
        <label>Cluster token <input id="token" name="token" type="password"
         autocomplete="off" autofocus></label>
        <button type="submit">Log in</button>
        </form></main>
        <script src="/static/login.js"></script>
        </body></html>
        """
            .formatted(message.replace("&", "&amp;").replace("<", "&lt;"));
    return Response.text(status, "text/html", html);
  }
}
