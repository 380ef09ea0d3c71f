package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.serve.internal.DeploymentSpec;
import dev.prism.serve.internal.RouteTable;
import dev.prism.serve.internal.ServeClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dynamic batching and model multiplexing on a real cluster, over HTTP through the proxy and
 * through handles.
 */
@Timeout(240)
class BatchingAndMultiplexingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration T = Duration.ofSeconds(60);

  @BeforeAll
  static void start() {
    ServeFixture.start();
  }

  @AfterAll
  static void stop() {
    ServeFixture.stop();
  }

  @Test
  void batchesFillUnderConcurrentLoadAndTheirBoundChangesWithoutARestart() throws Exception {
    Deployment<BatchedDoubler> d =
        Deployment.builder(BatchedDoubler.class).maxOngoingRequests(16).build();
    DeploymentHandle<BatchedDoubler> h = Serve.run(d.bind(8, 50L), "batch", "/batch");
    String replica = h.call(BatchedDoubler::replicaId).result(T);

    // 16 clients, each with one request at a time: batches fill up to 8, never beyond.
    assertThat(drive(16, 6, 0)).containsExactly(replica);
    List<Integer> sizes = h.call(BatchedDoubler::batchSizes).result(T);
    assertThat(sizes).allSatisfy(s -> assertThat(s).isBetween(1, 8));
    assertThat(Collections.max(sizes)).as("largest batch of %s", sizes).isEqualTo(8);
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(16 * 6);

    // Only the user config changes: the same replica takes the new bound in place.
    DeploymentHandle<BatchedDoubler> h2 =
        Serve.run(
            d.toBuilder().userConfig(Map.of("maxBatchSize", 4)).build().bind(8, 50L),
            "batch",
            "/batch");
    // Serve.run returns once the new config is applied.
    assertThat(h2.call(BatchedDoubler::maxBatchSize).result(T)).isEqualTo(4);
    assertThat(h2.call(BatchedDoubler::replicaId).result(T)).isEqualTo(replica);
    assertThat(h2.call(BatchedDoubler::resetBatchSizes).result(T)).isTrue();

    assertThat(drive(16, 6, 10_000)).containsExactly(replica);
    List<Integer> after = h2.call(BatchedDoubler::batchSizes).result(T);
    assertThat(after).allSatisfy(s -> assertThat(s).isBetween(1, 4));
    assertThat(Collections.max(after)).as("largest batch of %s", after).isEqualTo(4);
    assertThat(after.stream().mapToInt(Integer::intValue).sum()).isEqualTo(16 * 6);
    assertThat(
            Serve.status()
                .applications()
                .get("batch")
                .deployments()
                .get("BatchedDoubler")
                .replicas())
        .singleElement()
        .satisfies(r -> assertThat(r.id()).isEqualTo(replica));
    assertThat(Serve.delete("batch")).isTrue();
  }

  /**
   * Runs {@code clients} concurrent HTTP clients, each sending {@code rounds} requests one after
   * the other, and checks each answer is its own request's; returns the replicas that answered.
   */
  private static Set<String> drive(int clients, int rounds, int offset) throws Exception {
    Set<String> replicas = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        all.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int r = 0; r < rounds; r++) {
                    int x = offset + client * 100 + r;
                    HttpResponse<String> resp = send("/batch?x=" + x, null);
                    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
                    JsonNode body = json(resp.body());
                    assertThat(body.get("in").asInt()).isEqualTo(x);
                    assertThat(body.get("out").asInt()).isEqualTo(2 * x);
                    replicas.add(body.get("replica").asText());
                  }
                },
                pool));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    return replicas;
  }

  @Test
  void requestsForAModelGoWhereItIsLoadedAndEachReplicaKeepsAtMostTwo() throws Exception {
    DeploymentHandle<MultiplexedModels> h =
        Serve.run(
            Deployment.builder(MultiplexedModels.class)
                .numReplicas(2)
                .maxOngoingRequests(4)
                .build()
                .bind(),
            "mux",
            "/mux");

    HttpResponse<String> none = send("/mux", null);
    assertThat(none.statusCode()).isEqualTo(400);
    assertThat(none.body()).contains("serve_multiplexed_model_id");
    HttpResponse<String> unknown = send("/mux", "missing");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("no model missing");

    JsonNode first = model("a");
    assertThat(first.get("model").asText()).isEqualTo("a");
    String home = first.get("replica").asText();

    // The replica reports "a" to the controller, which publishes it to every router.
    Awaitility.await("the route table shows where model a is")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> replicasWith("a").equals(List.of(home)));
    // The proxy long-polls the same table as this driver; let its copy catch up.
    Thread.sleep(300);

    for (int i = 0; i < 6; i++) {
      JsonNode r = model("a");
      assertThat(r.get("model").asText()).isEqualTo("a");
      assertThat(r.get("replica").asText()).as("HTTP request %d for a", i).isEqualTo(home);
      assertThat(h.withModelId("a").call(MultiplexedModels::predict, "x" + i).result(T))
          .as("handle call %d for a", i)
          .isEqualTo("a," + home + ",x" + i);
    }
    Map<String, Map<String, Object>> states = states(h);
    assertThat(states).hasSize(2).containsKey(home);
    assertThat(loads(states, "a")).as("a was loaded once, in %s", states).isEqualTo(1);

    // Five models over two replicas of two slots: some replica must evict.
    for (String id : List.of("b", "c")) {
      JsonNode r = model(id);
      assertThat(r.get("model").asText()).isEqualTo(id);
      assertThat(r.get("loaded").size()).isBetween(1, 2);
    }
    for (String id : List.of("d", "e")) {
      String r = h.withModelId(id).call(MultiplexedModels::predict, "y").result(T);
      assertThat(r).startsWith(id + ",").endsWith(",y");
    }
    assertThat(model("a").get("model").asText()).isEqualTo("a");

    Map<String, Map<String, Object>> end = states(h);
    int closes = 0;
    for (Map.Entry<String, Map<String, Object>> e : end.entrySet()) {
      Map<String, Object> s = e.getValue();
      List<?> loaded = (List<?>) s.get("loaded");
      int loadCount = loads(Map.of(e.getKey(), s), null);
      assertThat(loaded).as("models of replica %s", e.getKey()).hasSizeLessThanOrEqualTo(2);
      assertThat((Integer) s.get("maxLoaded")).as("state %s", s).isLessThanOrEqualTo(2);
      // Every model loaded and no longer held was closed on eviction.
      assertThat((Integer) s.get("closes") + loaded.size()).as("state %s", s).isEqualTo(loadCount);
      closes += (Integer) s.get("closes");
    }
    assertThat(closes).as("evictions in %s", end).isGreaterThanOrEqualTo(1);
    for (String id : List.of("a", "b", "c", "d", "e")) {
      assertThat(loads(end, id)).as("loads of %s in %s", id, end).isGreaterThanOrEqualTo(1);
    }

    // The route table follows the evictions too.
    Awaitility.await("the route table shows what each replica holds")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              Map<String, Set<String>> held = new LinkedHashMap<>();
              end.forEach(
                  (id, s) -> held.put(id, new HashSet<>(strings((List<?>) s.get("loaded")))));
              Map<String, Set<String>> table = new LinkedHashMap<>();
              for (RouteTable.ReplicaRoute r : route().replicas()) {
                table.put(r.id(), new HashSet<>(r.modelIds()));
              }
              assertThat(table).isEqualTo(held);
            });
    assertThat(Serve.delete("mux")).isTrue();
  }

  private static JsonNode model(String id) {
    HttpResponse<String> r = send("/mux", id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r.body());
  }

  private static RouteTable.DeploymentRoute route() {
    return ServeClient.get()
        .table()
        .deployments()
        .get(DeploymentSpec.key("mux", "MultiplexedModels"));
  }

  private static List<String> replicasWith(String modelId) {
    RouteTable.DeploymentRoute d = route();
    if (d == null) {
      return List.of();
    }
    return d.replicas().stream()
        .filter(r -> r.modelIds().contains(modelId))
        .map(RouteTable.ReplicaRoute::id)
        .toList();
  }

  /** The state of both replicas, asked through the handle until each has answered. */
  private static Map<String, Map<String, Object>> states(DeploymentHandle<MultiplexedModels> h) {
    Map<String, Map<String, Object>> out = new ConcurrentHashMap<>();
    Awaitility.await("both replicas answer")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              Map<String, Object> s = h.call(MultiplexedModels::state).result(T);
              out.put((String) s.get("replica"), s);
              return out.size() == 2;
            });
    return out;
  }

  /** Loads of one model (or of all, for null) over the replicas. */
  private static int loads(Map<String, Map<String, Object>> states, String modelId) {
    int n = 0;
    for (Map<String, Object> s : states.values()) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) s.get("loads")).entrySet()) {
        if (modelId == null || modelId.equals(e.getKey())) {
          n += ((Number) e.getValue()).intValue();
        }
      }
    }
    return n;
  }

  private static List<String> strings(List<?> xs) {
    return xs.stream().map(String::valueOf).toList();
  }

  private static HttpResponse<String> send(String path, String modelId) {
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(URI.create(url() + path)).timeout(T);
    if (modelId != null) {
      b.header("serve_multiplexed_model_id", modelId);
    }
    try {
      return ServeFixture.HTTP.send(b.build(), BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static volatile String url;

  private static String url() {
    String u = url;
    if (u == null) {
      u = Serve.httpUrl();
      url = u;
    }
    return u;
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
