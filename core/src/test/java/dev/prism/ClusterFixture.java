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
        .workerJvmOptions(
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1"));
  }

  /** Shuts Prism down and checks that no worker process and no shared-memory file is left. */
  static void shutdownAndCheck() {
    List<String> before = shmFiles();
    Prism.shutdown();
    Awaitility.await("worker processes exit")
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    List<String> after = shmFiles();
    assertThat(after)
        .as("prism shared-memory files left after shutdown (before: %s)", before)
        .isEmpty();
  }

  /** Waits until no process this JVM started is alive, then checks no shared memory is left. */
  static void awaitNothingLeft() {
    Awaitility.await("no worker or node process is left")
        .atMost(Duration.ofSeconds(60))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    assertThat(shmFiles()).as("prism shared-memory files left").isEmpty();
  }

  /** A small node for multi-node tests: 2 CPUs, a 128 MiB store, one prestarted small worker. */
  static dev.prism.runtime.node.NodeConfig.Builder smallNode() {
    return dev.prism.runtime.node.NodeConfig.builder()
        .numCpus(2)
        .objectStoreCapacity(128L << 20)
        .prestartWorkers(1)
        .workerJvmOptions(List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
  }

  /** A GCS that declares a silent node dead within seconds (for node-loss tests). */
  static dev.prism.runtime.gcs.GcsConfig quickNodeLoss() {
    return dev.prism.runtime.gcs.GcsConfig.builder()
        .nodeTimeout(Duration.ofSeconds(3))
        .healthCheckPeriod(Duration.ofMillis(500))
        .build();
  }

  /**
   * Starts a node process joining the cluster at {@code gcsAddress} the way {@code prism start
   * --address} does (2 CPUs, a 128 MiB store, its session under {@code tempDir}), and waits until
   * it is ready.
   */
  static dev.prism.runtime.cli.NodeLauncher.Started launchNode(String gcsAddress, Path tempDir) {
    return dev.prism.runtime.cli.NodeLauncher.launch(
        dev.prism.runtime.cli.StartOptions.parse(
            List.of(
                "--address",
                gcsAddress,
                "--num-cpus",
                "2",
                "--object-store-memory",
                "128m",
                "--temp-dir",
                tempDir.toString())));
  }

  /** The command line of a child JVM running {@code main} on this JVM's class path and flags. */
  static List<String> javaCommand(Class<?> main, String... args) {
    return javaCommand(List.of(), main, args);
  }

  /** As {@link #javaCommand(Class, String...)}, with more JVM options for the child. */
  static List<String> javaCommand(List<String> jvmOptions, Class<?> main, String... args) {
    List<String> command = new java.util.ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("-Xmx256m");
    command.addAll(jvmOptions);
    for (String flag : System.getProperty("prism.jvm.flags", "").split(" ")) {
      if (!flag.isBlank()) {
        command.add(flag);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return command;
  }

  static List<String> shmFiles() {
    Path shm = Path.of("/dev/shm");
    if (!Files.isDirectory(shm)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(shm)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-" + ProcessHandle.current().pid() + "-"))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
