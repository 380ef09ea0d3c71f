package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Load and bad clients over real HTTP: backpressure (503 + Retry-After) and recovery, request
 * timeouts (408), autoscaling up under load and back down, bodies over the limit, a client that
 * sends its headers byte by byte and stalls.
 */
@Timeout(300)
class ServeLoadTest {

  @BeforeAll
  static void start() {
    ServeFixture.start(
        new ServeConfig("127.0.0.1", 0, ProxyLocation.HEAD_ONLY, 64 << 10, 2_000, 60_000));
  }

  @AfterAll
  static void stop() {
    ServeFixture.stop();
  }

  @Test
  void backpressureAnswers503WithRetryAfterAndRecovers() throws Exception {
    Serve.run(
        Deployment.builder(Echo.class)
            .name("Narrow")
            .resource("CPU", 0.5)
            .maxOngoingRequests(1)
            .maxQueuedRequests(2)
            .build()
            .bind(),
        "narrow",
        "/narrow");
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(
          ServeFixture.HTTP.sendAsync(
              java.net.http.HttpRequest.newBuilder(URI.create(url("/narrow/sleep?ms=1500")))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get();
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(r.body()).contains("at capacity").contains("maxQueuedRequests 2");
        refused++;
      }
    }
    // One runs, two wait: at most three are answered, the rest refused at once.
    assertThat(ok).isBetween(1, 3);
    assertThat(refused).isEqualTo(8 - ok);
    assertThat(ServeFixture.get("/narrow").statusCode()).isEqualTo(200);
    Serve.delete("narrow");
  }

  @Test
  void aRequestOverItsTimeoutGets408() throws Exception {
    Serve.run(
        Deployment.builder(Echo.class)
            .name("Timed")
            .resource("CPU", 0.5)
            .requestTimeout(Duration.ofMillis(500))
            .build()
            .bind(),
        "timed",
        "/timed");
    HttpResponse<String> r = ServeFixture.get("/timed/sleep?ms=3000");
    assertThat(r.statusCode()).isEqualTo(408);
    assertThat(r.body()).contains("did not finish within PT0.5S");
    assertThat(ServeFixture.get("/timed").statusCode()).isEqualTo(200);
    Serve.delete("timed");
  }

  @Test
  void autoscalingFollowsTheLoadUpAndDown() throws Exception {
    Serve.run(
        Deployment.builder(Echo.class)
            .name("Elastic")
            .resource("CPU", 0.25)
            .autoscaling(
                AutoscalingConfig.builder()
                    .minReplicas(1)
                    .maxReplicas(3)
                    .targetOngoingRequests(1)
                    .upscaleDelay(Duration.ZERO)
                    .downscaleDelay(Duration.ofSeconds(2))
                    .lookBackPeriod(Duration.ofSeconds(1))
                    .build())
            .build()
            .bind(),
        "elastic",
        "/elastic");
    assertThat(replicas("elastic", "Elastic")).isEqualTo(1);
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      clients.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      try {
                        ServeFixture.get("/elastic/sleep?ms=200");
                      } catch (Exception e) {
                        return;
                      }
                    }
                  }));
    }
    try {
      Awaitility.await("scaled up to 3")
          .atMost(Duration.ofSeconds(90))
          .until(() -> replicas("elastic", "Elastic") == 3);
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join(Duration.ofSeconds(30));
      }
    }
    Awaitility.await("scaled back down to 1")
        .atMost(Duration.ofSeconds(90))
        .until(() -> replicas("elastic", "Elastic") == 1);
    Serve.delete("elastic");
  }

  @Test
  void aBodyOverTheLimitIsRefusedAndOthersAreServed() throws Exception {
    Serve.run(
        Deployment.builder(Echo.class).name("Limits").resource("CPU", 0.25).build().bind(),
        "limits",
        "/limits");
    String big = "{\"x\": \"" + "a".repeat(100 << 10) + "\"}";
    HttpResponse<String> r = ServeFixture.post("/limits", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(ServeFixture.post("/limits", "{\"x\": 1}").statusCode()).isEqualTo(200);
  }

  @Test
  void aClientThatStallsInItsHeadersIsCutOffWhileOthersAreServed() throws Exception {
    Serve.run(
        Deployment.builder(Echo.class).name("Slow").resource("CPU", 0.25).build().bind(),
        "slow",
        "/slow");
    URI u = URI.create(url("/"));
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      for (byte b :
          "GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII)) {
        out.write(b);
        out.flush();
        Thread.sleep(20);
      }
      // Now it stalls. Others are served meanwhile.
      assertThat(ServeFixture.get("/slow").statusCode()).isEqualTo(200);
      long t0 = System.nanoTime();
      InputStream in = s.getInputStream();
      int first = in.read();
      // The server answers 4xx or just closes; either way within the header timeout (2 s) and
      // well before our own 15 s read timeout.
      if (first != -1) {
        String head =
            new String(in.readNBytes(Math.min(in.available(), 64)), StandardCharsets.US_ASCII);
        assertThat((char) first + head).startsWith("HTTP/1.1 4");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }
    assertThat(ServeFixture.get("/slow").statusCode()).isEqualTo(200);
  }

  private static long replicas(String app, String deployment) {
    return Serve.status().applications().get(app).deployments().get(deployment).running();
  }

  private static String url(String path) {
    return Serve.httpUrl() + path;
  }
}
