package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.serve.djl.DjlModelConfig;
import dev.prism.serve.djl.DjlModelDeployment;
import dev.prism.serve.djl.DjlModelStats;
import dev.prism.serve.djl.Tensor;
import dev.prism.serve.djl.TinyModel;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A DJL model served by a replica on a cluster: HTTP with batching, handles, the user config. */
@Timeout(300)
class DjlServeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final float[][] X = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0.5f, -1, 2, 3}};

  @TempDir static Path dir;
  static float[][] expected;
  static DjlModelConfig config;

  @BeforeAll
  static void start() throws Exception {
    expected = TinyModel.save(dir, X);
    config =
        DjlModelConfig.of(dir.toString())
            .withModelName(TinyModel.NAME)
            .withBlockFactory(TinyModel.class)
            .withInputShape(4)
            .withBatching(16, Duration.ofMillis(100));
    ServeFixture.start();
    Serve.run(DjlModelDeployment.application(config), "tiny", "/tiny", Duration.ofMinutes(3));
  }

  @AfterAll
  static void stop() {
    ServeFixture.stop();
  }

  @Test
  void concurrentHttpRequestsAreAnsweredInBatches() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String body = JSON.writeValueAsString(X[i % X.length]);
      sent.add(
          ServeFixture.HTTP.sendAsync(
              java.net.http.HttpRequest.newBuilder(URI.create(Serve.httpUrl() + "/tiny"))
                  .timeout(Duration.ofSeconds(60))
                  .POST(BodyPublishers.ofString(body))
                  .build(),
              BodyHandlers.ofString()));
    }
    for (int i = 0; i < sent.size(); i++) {
      HttpResponse<String> r = sent.get(i).get(90, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode out = JSON.readTree(r.body());
      for (int k = 0; k < 3; k++) {
        assertThat(out.get(k).floatValue()).isCloseTo(expected[i % X.length][k], within(1e-4f));
      }
    }
    JsonNode stats = JSON.readTree(ServeFixture.get("/tiny").body());
    assertThat(stats.get("instances").asLong()).isGreaterThanOrEqualTo(24);
    assertThat(stats.get("largestBatch").asInt()).isGreaterThan(1);

    HttpResponse<String> bad = ServeFixture.post("/tiny", "[1, 2]");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("this model takes shape [4]");
  }

  @Test
  void handlesPredictAndTheUserConfigRetunesRunningReplicas() throws Exception {
    DeploymentHandle<DjlModelDeployment> h = Serve.getAppHandle("tiny");
    Object out =
        h.call(DjlModelDeployment::predict, Tensor.of(X[2])).result(Duration.ofSeconds(60));
    assertThat(((Tensor[]) out)[0].values()).containsExactly(expected[2], within(1e-4f));

    String replica = h.call(DjlModelDeployment::stats).result(Duration.ofSeconds(60)).replica();
    Serve.run(
        DjlModelDeployment.deployment(config)
            .userConfig(Map.of("maxBatchSize", 3, "maxWaitMillis", 5))
            .build()
            .bind(config),
        "tiny",
        "/tiny",
        Duration.ofMinutes(3));
    DjlModelStats s = h.call(DjlModelDeployment::stats).result(Duration.ofSeconds(60));
    assertThat(s.maxBatchSize()).isEqualTo(3);
    assertThat(s.maxWaitMillis()).isEqualTo(5);
    assertThat(s.replica()).as("reconfigured in place, not replaced").isEqualTo(replica);
  }
}
