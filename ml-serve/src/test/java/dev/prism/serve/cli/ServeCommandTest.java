package dev.prism.serve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.LocalCluster;
import dev.prism.NodeOptions;
import dev.prism.Prism;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prism serve deploy|status|shutdown} run in this process against a {@link LocalCluster}:
 * exit codes and messages for bad usage and failures, then a config file deployed, answered over
 * HTTP, listed by status, and shut down.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static LocalCluster cluster;

  /** One command's outcome. */
  record Result(int code, String out, String err) {}

  @BeforeAll
  static void start() {
    cluster =
        LocalCluster.start(
            NodeOptions.builder()
                .cpus(3)
                .objectStoreMemory(64L << 20)
                .workerHeap(160L << 20)
                .build());
  }

  @AfterAll
  static void stop() {
    try {
      if (Prism.isInitialized()) {
        Prism.shutdown();
      }
      run(Map.of(), "shutdown", "--address", cluster.address());
    } finally {
      cluster.close();
    }
  }

  static Result run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = ServeCommand.run(o, e, env, args);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Result run(String... args) {
    return run(Map.of("PRISM_ADDRESS", cluster.address()), args);
  }

  @Test
  @Order(1)
  void badCommandLinesExitWith2() {
    assertThat(run().code()).isEqualTo(2);
    Result unknown = run("deploy", "x.yaml", "--bogus");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("--bogus");
    assertThat(run("deploy").err()).contains("FILE");
    assertThat(run("deploy").code()).isEqualTo(2);
    assertThat(run("deploy", "x.yaml", "--timeout", "0").code()).isEqualTo(2);
    Result address = run("status", "--address", "nowhere");
    assertThat(address.code()).isEqualTo(2);
    assertThat(address.err()).contains("--address").contains("host:port");
    assertThat(run("frobnicate").code()).isEqualTo(2);

    Result help = run("deploy", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--address").contains("FILE");
  }

  @Test
  @Order(2)
  void failuresExitWith1AndSayWhatToDo(@TempDir Path dir) throws IOException {
    Result noAddress = run(Map.of(), "status");
    assertThat(noAddress.code()).isEqualTo(1);
    assertThat(noAddress.err().lines()).hasSize(1);
    assertThat(noAddress.err())
        .startsWith("prism serve status: no cluster to join")
        .contains("PRISM_ADDRESS")
        .contains("prism start --head");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        "applications:\n  - import_path: dev.prism.serve.Echo\n    deployments:\n"
            + "      - name: Echo\n        num_replicas: -1\n");
    Result badFile = run("deploy", bad.toString());
    assertThat(badFile.code()).isEqualTo(1);
    assertThat(badFile.err().strip())
        .isEqualTo(
            "prism serve deploy: "
                + bad
                + ": applications[0].deployments[0].num_replicas: -1 is not >= 0");

    Result missing = run("deploy", dir.resolve("none.yaml").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("there is no file");

    Result unreachable = run("status", "--address", "127.0.0.1:" + freePort());
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err().lines()).hasSize(1);
    assertThat(unreachable.err()).contains("cannot join").contains("prism start --head");
    assertThat(Prism.isInitialized()).isFalse();
  }

  @Test
  @Order(3)
  void deployServesStatusListsShutdownEnds() throws Exception {
    Path file = Path.of(ServeCommandTest.class.getResource("/serve/cli.yaml").toURI());
    Result deployed = run("deploy", file.toString(), "--timeout", "180");
    System.out.println("prism serve deploy printed:\n" + deployed.out() + deployed.err());
    assertThat(deployed.code()).as(deployed.err() + deployed.out()).isZero();
    assertThat(Prism.isInitialized()).as("the command left the cluster").isFalse();
    String echoUrl = url(deployed.out(), "echo");
    String greetUrl = url(deployed.out(), "greeter");
    assertThat(echoUrl).endsWith("/echo");

    // The applications keep running after the command left: the file's options reached them.
    JsonNode echo = JSON.readTree(get(echoUrl + "/x"));
    assertThat(echo.get("greeting").asText()).isEqualTo("hi!");
    assertThat(JSON.readTree(get(greetUrl + "?name=ann")).get("message").asText())
        .isEqualTo("hey, ann");

    Result status = run("status");
    System.out.println("prism serve status printed:\n" + status.out() + status.err());
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("Applications: 2")
        .containsPattern("echo\\s+/echo\\s+RUNNING\\s+" + Pattern.quote(echoUrl))
        .containsPattern("greeter\\s+Greeter\\s+HEALTHY\\s+1 / 1")
        .containsPattern("greeter\\s+Echo\\s+HEALTHY\\s+1 / 1");

    Result json = run("status", "--json", "--address", cluster.address());
    assertThat(json.code()).isZero();
    JsonNode s = JSON.readTree(json.out());
    assertThat(s.at("/applications/echo/status").asText()).isEqualTo("RUNNING");
    assertThat(s.at("/applications/greeter/deployments/Echo/targetReplicas").asInt()).isEqualTo(1);
    assertThat(s.at("/proxies/0/state").asText()).isEqualTo("HEALTHY");

    Result down = run("shutdown");
    assertThat(down.code()).as(down.err()).isZero();
    assertThat(down.out()).contains("2 applications deleted");
    assertThat(run("status").out()).contains("Serve is not running");
    assertThat(run("shutdown").out()).contains("nothing to shut down");
  }

  private static String url(String out, String app) {
    Matcher m = Pattern.compile("(?m)^  " + app + " +(http://\\S+)$").matcher(out);
    assertThat(m.find()).as("a URL for " + app + " in:\n" + out).isTrue();
    return m.group(1);
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
