package dev.prism.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.security.ClusterToken;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node's HTTP server over real sockets: the token on every route (bearer, or the login's
 * cookie), the login page and its limits, the cross-site header on cookie requests that change
 * something, static files, errors (404, 405, 413, a handler's failure) and browser-safety headers.
 */
@Timeout(60)
class HttpServerTest {

  private static final ClusterToken TOKEN =
      ClusterToken.of("a-test-token-of-32-characters-ok", "test");
  private static final AtomicLong POSTS = new AtomicLong();
  private static HttpServer server;
  private static HttpClient client;

  @BeforeAll
  static void start() {
    server =
        HttpServer.builder("127.0.0.1", 0, TOKEN)
            .route(
                "GET",
                "/api/v0/hello",
                r -> Response.json(Map.of("hello", r.param("who").orElse("you"))))
            .route(
                "POST",
                "/api/v0/count",
                r -> Response.json(Map.of("count", POSTS.incrementAndGet())))
            .route(
                "GET",
                "/api/v0/fail",
                r -> {
                  throw new IllegalStateException("broken on purpose");
                })
            .route(
                "GET",
                "/api/v0/bad",
                r -> {
                  throw new HttpException(400, "the query is wrong");
                })
            .maxBodyBytes(4096)
            .start();
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
  }

  private static HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path)).GET();
  }

  @Test
  void everyRouteNeedsTheToken() throws Exception {
    HttpResponse<String> none = send(get("/api/v0/hello"));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"prism\"");
    assertThat(none.body()).contains("Authorization: Bearer");

    HttpResponse<String> wrong =
        send(get("/api/v0/hello").header("Authorization", "Bearer not-the-token-at-all-xx"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("not this cluster's token");

    HttpResponse<String> ok =
        send(get("/api/v0/hello?who=prism").header("Authorization", "Bearer " + TOKEN.secret()));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("{\"hello\":\"prism\"}");
    assertThat(ok.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(ok.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(ok.headers().firstValue("Content-Security-Policy"))
        .get()
        .asString()
        .contains("'self'");

    // Unknown paths are refused before they are looked up: nothing is learned without the token.
    assertThat(send(get("/nothing-here")).statusCode()).isEqualTo(401);
  }

  @Test
  void aBrowserIsSentToTheLoginPage() throws Exception {
    HttpResponse<String> r = send(get("/").header("Accept", "text/html,application/xhtml+xml"));
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/login");
    HttpResponse<String> page = send(get("/login"));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<form").contains("name=\"token\"");
    // The page's script and style are public: they hold no data.
    assertThat(send(get("/static/login.js")).statusCode()).isEqualTo(200);
    assertThat(send(get("/static/style.css")).headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/css");
    assertThat(send(get("/static/..%2Fhttp%2FHttpServer.class")).statusCode()).isEqualTo(400);
    assertThat(send(get("/static/HttpServer.class")).statusCode()).isEqualTo(404);
    assertThat(send(get("/static/missing.js")).statusCode()).isEqualTo(404);
  }

  @Test
  void aLoginSetsACookieThatWorksUntilLogout() throws Exception {
    HttpResponse<String> bad = send(login("wrong-token-wrong-token"));
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(bad.body()).contains("not this cluster's token");

    HttpResponse<String> good = send(login(TOKEN.secret()));
    assertThat(good.statusCode()).isEqualTo(303);
    assertThat(good.headers().firstValue("Location")).hasValue("/");
    String setCookie = good.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith(HttpAuth.COOKIE + "=")
        .contains("HttpOnly")
        .contains("SameSite=Strict");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    assertThat(send(get("/api/v0/hello").header("Cookie", cookie)).statusCode()).isEqualTo(200);

    // A request that changes something needs the header other sites' pages cannot send.
    HttpRequest.Builder post =
        HttpRequest.newBuilder(URI.create(server.url() + "/api/v0/count"))
            .POST(BodyPublishers.noBody())
            .header("Cookie", cookie);
    HttpResponse<String> noHeader = send(post);
    assertThat(noHeader.statusCode()).isEqualTo(403);
    assertThat(noHeader.body()).contains(HttpAuth.CSRF_HEADER);
    long before = POSTS.get();
    HttpResponse<String> withHeader =
        send(
            HttpRequest.newBuilder(URI.create(server.url() + "/api/v0/count"))
                .POST(BodyPublishers.noBody())
                .header("Cookie", cookie)
                .header(HttpAuth.CSRF_HEADER, "1"));
    assertThat(withHeader.statusCode()).isEqualTo(200);
    assertThat(POSTS.get()).isEqualTo(before + 1);

    HttpResponse<String> out = send(get("/logout").header("Cookie", cookie));
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(send(get("/api/v0/hello").header("Cookie", cookie)).statusCode()).isEqualTo(401);
  }

  @Test
  void repeatedFailedLoginsAreRefusedForAMinute() {
    AtomicLong now = new AtomicLong();
    HttpAuth auth = new HttpAuth(TOKEN, now::get);
    Request wrong =
        new Request(
            "POST",
            "/login",
            Map.of(),
            Map.of(),
            "token=nope".getBytes(StandardCharsets.UTF_8),
            "10.0.0.9");
    for (int i = 0; i < HttpAuth.MAX_FAILED_LOGINS; i++) {
      assertThat(auth.login(wrong).status()).isEqualTo(401);
    }
    Request right =
        new Request(
            "POST",
            "/login",
            Map.of(),
            Map.of(),
            ("token=" + TOKEN.secret()).getBytes(StandardCharsets.UTF_8),
            "10.0.0.9");
    assertThat(auth.login(right).status()).isEqualTo(429);
    Request elsewhere =
        new Request("POST", "/login", Map.of(), Map.of(), right.body(), "10.0.0.10");
    assertThat(auth.login(elsewhere).status()).isEqualTo(303);
    now.addAndGet(HttpAuth.FAILED_LOGIN_WINDOW.toNanos() + 1);
    assertThat(auth.login(right).status()).isEqualTo(303);
  }

  @Test
  void sessionsEndAndTheirNumberIsBounded() {
    AtomicLong now = new AtomicLong();
    HttpAuth auth = new HttpAuth(TOKEN, now::get);
    Request right =
        new Request(
            "POST",
            "/login",
            Map.of(),
            Map.of(),
            ("token=" + TOKEN.secret()).getBytes(StandardCharsets.UTF_8),
            "10.0.0.1");
    String cookie = "";
    for (int i = 0; i < HttpAuth.MAX_SESSIONS + 50; i++) {
      now.incrementAndGet();
      String c = auth.login(right).headers().get("Set-Cookie");
      cookie = c.substring(0, c.indexOf(';'));
    }
    assertThat(auth.sessionCount()).isEqualTo(HttpAuth.MAX_SESSIONS);
    Request withCookie =
        new Request(
            "GET",
            "/api/v0/x",
            Map.of(),
            Map.of("cookie", java.util.List.of(cookie)),
            new byte[0],
            "h");
    assertThat(auth.check(withCookie)).isEmpty();
    now.addAndGet(HttpAuth.SESSION_TTL.toNanos());
    assertThat(auth.check(withCookie)).get().extracting(Response::status).isEqualTo(401);
  }

  @Test
  void errorsSayWhatWasWrong() throws Exception {
    String bearer = "Bearer " + TOKEN.secret();
    HttpResponse<String> missing = send(get("/api/v0/none").header("Authorization", bearer));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("nothing at /api/v0/none");
    HttpResponse<String> method =
        send(
            HttpRequest.newBuilder(URI.create(server.url() + "/api/v0/hello"))
                .DELETE()
                .header("Authorization", bearer));
    assertThat(method.statusCode()).isEqualTo(405);
    HttpResponse<String> failed = send(get("/api/v0/fail").header("Authorization", bearer));
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(failed.body()).contains("broken on purpose");
    HttpResponse<String> bad = send(get("/api/v0/bad").header("Authorization", bearer));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("the query is wrong");
    HttpResponse<String> big =
        send(
            HttpRequest.newBuilder(URI.create(server.url() + "/api/v0/count"))
                .POST(BodyPublishers.ofByteArray(new byte[8192]))
                .header("Authorization", bearer));
    assertThat(big.statusCode()).isEqualTo(413);
  }

  private static HttpRequest.Builder login(String token) {
    return HttpRequest.newBuilder(URI.create(server.url() + "/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(
            BodyPublishers.ofString(
                "token=" + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8)));
  }
}
