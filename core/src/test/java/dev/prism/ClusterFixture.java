package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/** Starting and stopping the embedded cluster in tests, and checking nothing leaks. */
final class ClusterFixture {

  private ClusterFixture() {}

  /** A small embedded cluster: 2 CPUs, small worker heaps. */
  static PrismConfig.Builder small() {
    return PrismConfig.builder()
        .numCpus(2)
        .objectStoreMemory(256L << 20)
        .workerJvmOptions(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:TieredStopAtLevel=1"));
  }

  /** Shuts Prism down and checks that no worker process and no shared-memory file is left. */
  static void shutdownAndCheck() {
    List<String> before = shmFiles();
    Prism.shutdown();
    Awaitility.await("worker processes exit").atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    List<String> after = shmFiles();
    assertThat(after).as("prism shared-memory files left after shutdown (before: %s)", before)
        .isEmpty();
  }

  static List<String> shmFiles() {
    Path shm = Path.of("/dev/shm");
    if (!Files.isDirectory(shm)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(shm)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-" + ProcessHandle.current().pid() + "-"))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
