package dev.prism.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.dashboard.DashboardRoutes;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.security.ClusterToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The head's HTTP port under hostile input, as the wire fuzzer does the gRPC ports: raw garbage,
 * mutated requests (bad methods, request lines, headers, lengths, encodings, paths), oversize
 * headers and bodies, slow and half-sent requests, and random queries to every API route with and
 * without the token; all from a fixed seed. Every answer is a well-formed HTTP status that the case
 * allows (never 500, never data without the token), no connection hangs past the server's deadline,
 * and afterwards the server still answers a normal request and its handler threads are bounded. The
 * routes are the real head's ({@link DashboardRoutes#addHead}) on a real GCS.
 */
@Timeout(180)
class HttpFuzzTest {

  private static final ClusterToken TOKEN = ClusterToken.of("fuzz-token-0123456789abcdef0123", "t");
  private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.[01] (\\d{3}) ");
  private static final List<String> ROUTES =
      List.of(
          "/",
          "/api/v0/cluster",
          "/api/v0/nodes",
          "/api/v0/actors",
          "/api/v0/placement-groups",
          "/metrics",
          "/login",
          "/logout",
          "/static/app.js",
          "/static/style.css",
          "/api/",
          "/x");
  private static GcsServer gcs;
  private static HttpServer server;

  @BeforeAll
  static void start() {
    gcs = GcsServer.start(GcsConfig.builder().host("127.0.0.1").port(0).token(TOKEN).build());
    server =
        DashboardRoutes.addHead(HttpServer.builder("127.0.0.1", 0, TOKEN), gcs)
            .idleTimeout(Duration.ofSeconds(3))
            .start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (gcs != null) {
      gcs.close();
    }
  }

  @Test
  void garbageNeverCrashesOrHangsTheServer() throws Exception {
    Random r = new Random(0x5eed_0001L);
    for (int i = 0; i < 150; i++) {
      byte[] junk = new byte[1 + r.nextInt(i % 10 == 0 ? 40_000 : 600)];
      r.nextBytes(junk);
      if (i % 3 == 0) {
        // Start like HTTP, then go wrong.
        byte[] head = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, junk, 0, Math.min(head.length, junk.length));
      }
      Answer a = exchange(junk, true);
      assertThat(a.status).as("case %d", i).isIn(-1, 400, 401, 413, 414, 431);
    }
    assertServerStillWorks();
  }

  @Test
  void mutatedRequestsGetClearAnswers() throws Exception {
    Random r = new Random(0x5eed_0002L);
    String bearer = "Authorization: Bearer " + TOKEN.secret() + "\r\n";
    for (int i = 0; i < 300; i++) {
      String route = ROUTES.get(r.nextInt(ROUTES.size()));
      boolean auth = r.nextBoolean();
      String method =
          List.of("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "G\u00e9T", "")
              .get(r.nextInt(9));
      String target = route + query(r);
      String req =
          switch (i % 9) {
            case 0 ->
                method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + (auth ? bearer : "") + "\r\n";
            case 1 ->
                "GET "
                    + target
                    + " HTTP/1.1\r\nHost: x\r\nX-Big: "
                    + "a".repeat(20_000)
                    + "\r\n\r\n";
            case 2 ->
                "GET "
                    + target
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + (auth ? bearer : "")
                    + "Content-Length: -5\r\n\r\n";
            case 3 ->
                "POST "
                    + target
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + (auth ? bearer : "")
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n";
            case 4 ->
                "GET /"
                    + "%zz%".repeat(r.nextInt(5) + 1)
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + (auth ? bearer : "")
                    + "\r\n";
            case 5 -> "GET " + target + " HTTP/9.9\r\n\r\n";
            case 6 ->
                "GET "
                    + target
                    + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + randomAscii(r, r.nextInt(3000))
                    + "\r\nCookie: prism_session="
                    + randomAscii(r, 70)
                    + "\r\n\r\n";
            case 7 ->
                "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\ntoken=";
            default ->
                "GET /"
                    + "../".repeat(r.nextInt(4))
                    + "static/"
                    + randomAscii(r, 12)
                    + " HTTP/1.1\r\nHost: x\r\n"
                    + (auth ? bearer : "")
                    + "\r\n";
          };
      Answer a = exchange(req.getBytes(StandardCharsets.UTF_8), false);
      assertThat(a.status)
          .as("case %d: %s -> %s", i, req.length() > 200 ? req.substring(0, 200) : req, a.text)
          .isIn(-1, 200, 303, 400, 401, 403, 404, 405, 413, 414, 429, 431, 505);
      if (!auth && a.status == 200) {
        // Without the token only the login page and the static files answer.
        assertThat(req).matches("(?s)^(GET|HEAD) /(login|static/).*");
      }
      assertThat(a.text)
          .doesNotContain("prism_nodes")
          .doesNotContain("\"nodesAlive\"")
          .as("case %d", i);
    }
    assertServerStillWorks();
  }

  @Test
  void randomQueriesToTheApiAreAnsweredWithTheRightStatus() throws Exception {
    Random r = new Random(0x5eed_0003L);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int i = 0; i < 200; i++) {
      String route = ROUTES.get(1 + r.nextInt(4));
      URI uri = URI.create(server.url() + route + escaped(query(r)));
      int status =
          client
              .send(
                  HttpRequest.newBuilder(uri)
                      .header("Authorization", "Bearer " + TOKEN.secret())
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  BodyHandlers.ofString())
              .statusCode();
      assertThat(status).as("%s", uri).isIn(200, 400);
    }
  }

  @Test
  void slowAndHalfSentRequestsAreCutOff() throws Exception {
    long start = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("GET /api/v0/nodes HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      // Never finishes the headers: the idle timeout (3 s here) closes the connection.
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(9));
    assertServerStillWorks();
  }

  private record Answer(int status, String text) {}

  /** Sends bytes on a fresh connection and reads the first answer (or the close). */
  private static Answer exchange(byte[] bytes, boolean closeOutput) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(8_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(bytes);
        out.flush();
        if (closeOutput) {
          s.shutdownOutput();
        }
      } catch (IOException e) {
        // The server may close while we write (it refused an oversize header): read what it said.
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) > 0) {
          got.write(buf, 0, n);
          if (got.size() > 0 && complete(got.toString(StandardCharsets.ISO_8859_1))) {
            break;
          }
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer and no close within 8 s after: " + preview(bytes), e);
      } catch (IOException e) {
        // reset by the server: fine, as long as it did not hang
      }
      String text = got.toString(StandardCharsets.ISO_8859_1);
      Matcher m = STATUS.matcher(text);
      return new Answer(m.find() ? Integer.parseInt(m.group(1)) : -1, text);
    }
  }

  private static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    Matcher len = Pattern.compile("(?i)content-length: (\\d+)").matcher(text.substring(0, end));
    return !len.find() || text.length() - end - 4 >= Integer.parseInt(len.group(1));
  }

  private static void assertServerStillWorks() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    var res =
        client.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/api/v0/cluster"))
                .header("Authorization", "Bearer " + TOKEN.secret())
                .timeout(Duration.ofSeconds(10))
                .build(),
            BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.body()).contains("\"nodesAlive\":0");
    long handlerThreads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("prism-http-"))
            .count();
    assertThat(handlerThreads).isLessThanOrEqualTo(4);
  }

  private static String query(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> "";
      case 1 ->
          "?limit="
              + List.of("1", "0", "-3", "10001", "abc", "99999999999", "", "%00").get(r.nextInt(8));
      case 2 -> "?state=" + randomAscii(r, r.nextInt(20));
      case 3 -> "?" + randomAscii(r, r.nextInt(200)).replace(' ', '+');
      case 4 -> "?limit=2&state=ALIVE&state=DEAD&x=%E2%82";
      default -> "#frag";
    };
  }

  /** Escapes what java.net.URI refuses, keeping the query's structure and its own escapes. */
  private static String escaped(String q) {
    StringBuilder b = new StringBuilder();
    for (char c : q.toCharArray()) {
      if (Character.isLetterOrDigit(c) || "-._~=&?%+#".indexOf(c) >= 0) {
        b.append(c);
      } else {
        b.append('%').append(String.format("%02X", (int) c));
      }
    }
    return b.toString();
  }

  private static String randomAscii(Random r, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      char c = (char) (0x21 + r.nextInt(0x5e));
      b.append(Set.of('#', '?', '%', '\\').contains(c) ? 'q' : c);
    }
    return b.toString();
  }

  private static String preview(byte[] bytes) {
    String s = new String(bytes, 0, Math.min(bytes.length, 120), StandardCharsets.ISO_8859_1);
    return s.replaceAll("[^\\x20-\\x7e]", ".");
  }
}
