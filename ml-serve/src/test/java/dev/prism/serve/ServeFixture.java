package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/** A small embedded cluster for Serve tests, HTTP helpers, and the leak check at the end. */
final class ServeFixture {

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static volatile String url;

  private ServeFixture() {}

  /** Starts Prism (4 logical CPUs, small workers) and Serve on a free port. */
  static void start() {
    start(ServeConfig.defaults().withPort(0));
  }

  /**
   * Starts Prism (4 logical CPUs, small workers) and Serve with these settings.
   *
   * @param config Serve's settings
   */
  static void start(ServeConfig config) {
    Prism.init(
        PrismConfig.builder()
            .numCpus(4)
            .objectStoreMemory(128L << 20)
            .workerJvmOptions(
                List.of("-Xmx192m", "-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1"))
            .build());
    Serve.start(config);
    url = Serve.httpUrl();
  }

  /** Shuts Serve and Prism down and checks no process or shared-memory file is left. */
  static void stop() {
    try {
      Serve.shutdown();
    } finally {
      Prism.shutdown();
    }
    Awaitility.await("worker processes exit")
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    assertThat(shmFiles()).as("shared-memory files left").isEmpty();
  }

  static java.net.http.HttpResponse<String> get(String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        java.net.http.HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(60))
            .build(),
        BodyHandlers.ofString());
  }

  static java.net.http.HttpResponse<String> post(String path, String json)
      throws IOException, InterruptedException {
    return HTTP.send(
        java.net.http.HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json))
            .build(),
        BodyHandlers.ofString());
  }

  private static List<String> shmFiles() {
    try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-" + ProcessHandle.current().pid() + "-"))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
