package dev.prism.runtime.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.runtime.http.Request;
import dev.prism.runtime.http.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The Serve and Tune routes over known contents of the key-value store. */
class LibraryRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String SERVE =
      """
      {"proxies": [{"nodeId": "n1", "url": "http://127.0.0.1:8000", "state": "HEALTHY"}],
       "applications": {
         "echo": {"name": "echo", "routePrefix": "/echo", "status": "RUNNING", "message": "",
                  "deployments": {"Echo": {"name": "Echo", "status": "HEALTHY", "message": "",
                     "targetReplicas": 1,
                     "replicas": [{"id": "r1", "state": "RUNNING", "nodeId": "n1",
                                   "version": "v1"}]}}},
         "broken": {"name": "broken", "routePrefix": "", "status": "DEPLOY_FAILED",
                    "message": "<script>", "deployments": {}}}}
      """;

  private final Map<String, Map<String, byte[]>> store = new TreeMap<>();
  private final Function<String, Map<String, Map<String, byte[]>>> kv =
      prefix -> {
        Map<String, Map<String, byte[]>> out = new TreeMap<>();
        store.forEach(
            (ns, entries) -> {
              Map<String, byte[]> found = new TreeMap<>();
              entries.forEach(
                  (k, v) -> {
                    if (k.startsWith(prefix)) {
                      found.put(k, v);
                    }
                  });
              if (!found.isEmpty()) {
                out.put(ns, found);
              }
            });
        return out;
      };

  private void put(String ns, String key, String value) {
    store
        .computeIfAbsent(ns, n -> new TreeMap<>())
        .put(key, value.getBytes(StandardCharsets.UTF_8));
  }

  private static Request get(String path, Map<String, List<String>> query) {
    return new Request("GET", path, query, Map.of(), new byte[0], "test");
  }

  private static JsonNode body(Response r) throws Exception {
    assertThat(r.status()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void serveApplicationsComeFromTheControllersStatusInAnyNamespace() throws Exception {
    put("serve", LibraryRoutes.SERVE_KEY, SERVE);
    put("serve", "serve/controller-checkpoint", "{}");
    put("other", "unrelated", "x");
    JsonNode all =
        body(LibraryRoutes.serveApplications(get("/api/v0/serve/applications", Map.of()), kv));
    assertThat(all.path("total").asInt()).isEqualTo(2);
    JsonNode echo = all.path("items").get(0);
    assertThat(echo.path("namespace").asText()).isEqualTo("serve");
    assertThat(echo.path("name").asText()).isEqualTo("echo");
    assertThat(echo.path("state").asText()).isEqualTo("RUNNING");
    assertThat(echo.path("deployments").path("Echo").path("replicas").get(0).path("state").asText())
        .isEqualTo("RUNNING");
    assertThat(all.path("proxies").get(0).path("url").asText()).isEqualTo("http://127.0.0.1:8000");
    JsonNode failed =
        body(
            LibraryRoutes.serveApplications(
                get("/api/v0/serve/applications", Map.of("state", List.of("DEPLOY_FAILED"))), kv));
    assertThat(failed.path("total").asInt()).isEqualTo(1);
    assertThat(failed.path("items").get(0).path("message").asText()).isEqualTo("<script>");
  }

  @Test
  void tuneExperimentsAreOnePerKeyAndBadValuesAreLeftOut() throws Exception {
    put(
        "default",
        LibraryRoutes.TUNE_PREFIX + "sweep",
        """
        {"name": "sweep", "metric": "score", "mode": "MAX", "finished": false,
         "counts": {"RUNNING": 1, "TERMINATED": 2},
         "best": {"trial": "trial_00001", "value": 0.9, "config": {"lr": 0.1}},
         "trials": [{"id": "trial_00001", "status": "TERMINATED", "config": {"lr": 0.1},
                     "lastResult": {"score": 0.9}, "best": 0.9}]}
        """);
    put("other", LibraryRoutes.TUNE_PREFIX + "done", "{\"finished\": true, \"trials\": []}");
    put("other", LibraryRoutes.TUNE_PREFIX + "garbage", "not json");
    JsonNode all =
        body(LibraryRoutes.tuneExperiments(get("/api/v0/tune/experiments", Map.of()), kv));
    assertThat(all.path("total").asInt()).isEqualTo(2);
    // by namespace: "default" before "other"
    assertThat(all.path("items").get(0).path("name").asText()).isEqualTo("sweep");
    JsonNode done = all.path("items").get(1);
    assertThat(done.path("namespace").asText()).isEqualTo("other");
    assertThat(done.path("name").asText()).isEqualTo("done");
    assertThat(done.path("state").asText()).isEqualTo("FINISHED");
    JsonNode running =
        body(
            LibraryRoutes.tuneExperiments(
                get("/api/v0/tune/experiments", Map.of("state", List.of("running"))), kv));
    assertThat(running.path("total").asInt()).isEqualTo(1);
    assertThat(running.path("items").get(0).path("best").path("trial").asText())
        .isEqualTo("trial_00001");
  }

  @Test
  void nothingPublishedIsAnEmptyList() throws Exception {
    assertThat(
            body(LibraryRoutes.serveApplications(get("/api/v0/serve/applications", Map.of()), kv))
                .path("total")
                .asInt())
        .isZero();
    assertThat(
            body(LibraryRoutes.tuneExperiments(get("/api/v0/tune/experiments", Map.of()), kv))
                .path("items")
                .size())
        .isZero();
  }
}
