package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.ActorHandle;
import dev.prism.KeyValueStore;
import dev.prism.Prism;
import dev.prism.TaskException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Deployments reached over real HTTP through the proxy, and through handles. */
@Timeout(300)
class ServeHttpTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    ServeFixture.start();
    Serve.run(Deployment.builder(Echo.class).build().bind("hi"), "echo", "/echo");
  }

  @AfterAll
  static void stop() {
    ServeFixture.stop();
  }

  @Test
  void routesByPrefixAndAnswersJson() throws Exception {
    HttpResponse<String> r = ServeFixture.get("/echo/some/path?x=1");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("greeting").asText()).isEqualTo("hi");
    assertThat(body.get("path").asText()).isEqualTo("/some/path");
    assertThat(r.headers().firstValue("x-request-id")).isPresent();

    HttpResponse<String> p = ServeFixture.post("/echo", "{\"a\": [1, 2]}");
    assertThat(p.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(p.body()).get("echo").get("a").get(1).asInt()).isEqualTo(2);
  }

  @Test
  void speaksHttp2OverCleartext() throws Exception {
    java.net.http.HttpClient h2 =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_2)
            .build();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r =
          h2.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(Serve.httpUrl() + "/echo/h2"))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
      assertThat(JSON.readTree(r.body()).get("path").asText()).isEqualTo("/h2");
    }
  }

  @Test
  void builtInRoutes() throws Exception {
    assertThat(ServeFixture.get("/-/healthz").body()).isEqualTo("success");
    assertThat(JSON.readTree(ServeFixture.get("/-/routes").body()).get("/echo").asText())
        .isEqualTo("echo");
    assertThat(ServeFixture.get("/-/metrics").statusCode()).isEqualTo(404);
  }

  @Test
  void requestsAndDeploymentsShowInTheNodesMetricsAndTheDashboardsStatus() throws Exception {
    ServeFixture.get("/echo");
    // The proxy and the controller report to their node: in this embedded cluster, the node
    // manager in this JVM, whose registry a started node serves at /metrics.
    Awaitility.await("Serve's metrics reach the node")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              String text = dev.prism.runtime.metrics.Metrics.scrape();
              return text.lines()
                      .anyMatch(
                          l ->
                              l.startsWith("prism_serve_requests_total{")
                                  && l.contains("application=\"echo\"")
                                  && l.contains("code=\"200\""))
                  && text.contains("prism_serve_request_latency_seconds_bucket{")
                  && text.lines()
                      .anyMatch(
                          l ->
                              l.startsWith("prism_serve_replicas{")
                                  && l.contains("state=\"RUNNING\"")
                                  && !l.endsWith(" 0.0"));
            });
    // The controller's status for the dashboard, in the cluster's key-value store.
    ActorHandle<KvReader> reader =
        Prism.actor(KvReader::new, "dashboard/serve").setNamespace("serve").remote();
    try {
      String status = reader.task(KvReader::value).remote().get(Duration.ofSeconds(60));
      JsonNode echo = JSON.readTree(status).path("applications").path("echo");
      assertThat(echo.path("routePrefix").asText()).isEqualTo("/echo");
      assertThat(echo.path("deployments").size()).isEqualTo(1);
    } finally {
      reader.kill();
    }
  }

  /**
   * Reads a key of the cluster's key-value store in the namespace it is created in: its constructor
   * runs in that namespace (its calls run in their caller's).
   */
  public static final class KvReader {
    private final String value;

    /**
     * Reads the key.
     *
     * @param key the key
     */
    public KvReader(String key) {
      value = new String(KeyValueStore.get(key).orElse(new byte[0]), StandardCharsets.UTF_8);
    }

    /**
     * The value read.
     *
     * @return it as text, empty when the key had none
     */
    public String value() {
      return value;
    }
  }

  @Test
  void badInputGetsClearStatuses() throws Exception {
    HttpResponse<String> unknown = ServeFixture.get("/nowhere");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no application serves /nowhere");

    HttpResponse<String> invalid = ServeFixture.post("/echo", "{not json");
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).contains("not valid JSON");

    HttpResponse<String> failing = ServeFixture.get("/echo/fail");
    assertThat(failing.statusCode()).isEqualTo(500);
    assertThat(failing.body()).contains("asked to fail");

    // The server still answers after all that.
    assertThat(ServeFixture.get("/echo").statusCode()).isEqualTo(200);
  }

  @Test
  void handlesCallMethodsAndCarryErrors() {
    DeploymentHandle<Echo> h = Serve.getAppHandle("echo");
    assertThat(h.call(Echo::greet, "ann").result(Duration.ofSeconds(60))).isEqualTo("hi, ann");
    assertThatThrownBy(() -> h.call(Echo::boom, "no!").result(Duration.ofSeconds(60)))
        .isInstanceOf(TaskException.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no!");
    assertThatThrownBy(() -> h.call((Echo e, String s) -> s, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a lambda");
  }

  @Test
  void anIngressComposesAnotherDeploymentThroughAHandle() throws Exception {
    Serve.run(
        Deployment.builder(Composer.class)
            .resource("CPU", 0.25)
            .build()
            .bind(
                Deployment.builder(Echo.class)
                    .name("Downstream")
                    .numReplicas(2)
                    .resource("CPU", 0.25)
                    .build()
                    .bind("howdy")),
        "composed",
        "/composed");
    java.util.Set<String> downstream = new java.util.HashSet<>();
    for (int i = 0; i < 20 && downstream.size() < 2; i++) {
      HttpResponse<String> r = ServeFixture.get("/composed?name=bo");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("composed").asText()).isEqualTo("howdy, bo");
      downstream.add(body.get("downstream").asText());
    }
    // The ingress's router spreads its calls over both downstream replicas.
    assertThat(downstream).hasSize(2);
    assertThat(Serve.status().applications().get("composed").deployments())
        .containsOnlyKeys("Composer", "Downstream");
    Serve.delete("composed");
  }

  @Test
  void aDeploymentThatCannotStartFailsRunWithTheReason() {
    assertThatThrownBy(
            () ->
                Serve.run(
                    Deployment.builder(Broken.class)
                        .resource("CPU", 0.25)
                        .build()
                        .bind("no model file"),
                    "broken",
                    "/broken"))
        .isInstanceOf(ServeException.class)
        .hasMessageContaining("failed to deploy")
        .hasMessageContaining("no model file");
    assertThat(Serve.status().applications().get("broken").status()).isEqualTo("DEPLOY_FAILED");
    Serve.delete("broken");
    assertThat(Serve.status().applications()).doesNotContainKey("broken");
  }

  @Test
  void statusShowsTheApplication() {
    ServeStatus s = Serve.status();
    ServeStatus.App app = s.applications().get("echo");
    assertThat(app.status()).isEqualTo("RUNNING");
    assertThat(app.routePrefix()).isEqualTo("/echo");
    assertThat(app.deployments().get("Echo").running()).isEqualTo(1);
    assertThat(s.proxies())
        .singleElement()
        .satisfies(p -> assertThat(p.url()).startsWith("http://"));
    assertThat(Map.of()).isEmpty();
  }
}
