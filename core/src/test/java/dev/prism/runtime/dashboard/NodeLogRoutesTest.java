package dev.prism.runtime.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.security.ClusterToken;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node's log over HTTP: the last lines, one worker's lines, following by offset, bad input. */
@Timeout(60)
class NodeLogRoutesTest {

  private static final ClusterToken TOKEN =
      ClusterToken.of("a-test-token-of-32-characters-ok", "test");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<String> get(String query, boolean withToken) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.url() + NodeLogRoutes.PATH + query))
            .timeout(Duration.ofSeconds(10));
    if (withToken) {
      b.header("Authorization", "Bearer " + TOKEN.secret());
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> lines(HttpResponse<String> r) throws Exception {
    List<String> out = new ArrayList<>();
    JSON.readTree(r.body()).get("lines").forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void tailsFiltersAndFollowsTheNodesLog() throws Exception {
    Path log = dir.resolve("node-1.log");
    Files.writeString(log, "node starting\n(pid=11) w1 a\n(pid=22) w2 a\n(pid=11) w1 b\npartial");
    HttpServer.Builder b = HttpServer.builder("127.0.0.1", 0, TOKEN);
    NodeLogRoutes.add(b, "node-1", log);
    server = b.start();

    assertThat(get("", false).statusCode()).isEqualTo(401);

    HttpResponse<String> all = get("", true);
    assertThat(all.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(all.body());
    assertThat(body.get("node_id").asText()).isEqualTo("node-1");
    assertThat(lines(all))
        .containsExactly("node starting", "(pid=11) w1 a", "(pid=22) w2 a", "(pid=11) w1 b");

    assertThat(lines(get("?tail=1&pid=11", true))).containsExactly("(pid=11) w1 b");
    assertThat(lines(get("?pid=22,11&tail=2", true)))
        .containsExactly("(pid=22) w2 a", "(pid=11) w1 b");

    long offset = body.get("offset").asLong();
    Files.writeString(
        log, " line\n(pid=22) w2 b\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    HttpResponse<String> next = get("?offset=" + offset + "&pid=22", true);
    assertThat(lines(next)).containsExactly("(pid=22) w2 b");
    assertThat(JSON.readTree(next.body()).get("offset").asLong()).isEqualTo(Files.size(log));
  }

  @Test
  void badQueriesAndAMissingLogSayWhatIsWrong() throws Exception {
    HttpServer.Builder b = HttpServer.builder("127.0.0.1", 0, TOKEN);
    NodeLogRoutes.add(b, "node-2", dir.resolve("absent.log"));
    server = b.start();
    HttpResponse<String> missing = get("", true);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("node-2 has no log file absent.log");

    Files.writeString(dir.resolve("absent.log"), "x\n");
    HttpResponse<String> badTail = get("?tail=-1", true);
    assertThat(badTail.statusCode()).isEqualTo(400);
    assertThat(badTail.body()).contains("tail must be a whole number");
    assertThat(get("?offset=abc", true).statusCode()).isEqualTo(400);
    HttpResponse<String> badPid = get("?pid=12,x", true);
    assertThat(badPid.statusCode()).isEqualTo(400);
    assertThat(badPid.body()).contains("pid must be process ids");
  }
}
