package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LocalCluster}: added nodes are real processes whose resources the scheduler uses; a
 * removed node stops cleanly; a killed node is noticed (its actor dies, the task it ran waits for a
 * node that fits and runs there once one joins) and leaves no shared memory; close leaves no
 * process and no file; bad options and misuse fail with clear messages.
 */
@Timeout(240)
class LocalClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(90);

  /** A small node: 1 CPU, a 64 MiB store, 128 MiB worker heaps. */
  private static NodeOptions.Builder small() {
    return NodeOptions.builder().cpus(1).objectStoreMemory(64L << 20).workerHeap(128L << 20);
  }

  static String whereAmI() {
    return Prism.runtimeContext().nodeId();
  }

  /** Blocks on node {@code victim} (until it is killed); elsewhere says where it runs. */
  static String blockOn(String victim) throws InterruptedException {
    String here = Prism.runtimeContext().nodeId();
    if (here.equals(victim)) {
      Thread.sleep(WAIT.toMillis() * 2);
    }
    return here;
  }

  /** Reports its node. */
  public static final class Locator {
    /** Creates it. */
    public Locator() {}

    /** Its node's id. */
    public String node() {
      return Prism.runtimeContext().nodeId();
    }
  }

  /**
   * The arguments of a process, from {@code /proc} ({@link ProcessHandle.Info} cuts long command
   * lines, and a node's class path is long).
   */
  private static List<String> argumentsOf(ProcessHandle process) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException e) {
      return List.of(); // exited
    }
  }

  /** The node process of {@code node} among this JVM's children, found by its arguments. */
  private static Optional<ProcessHandle> processOf(LocalCluster.Node node) {
    return ProcessHandle.current()
        .children()
        .filter(p -> argumentsOf(p).contains("--node-id=" + node.id()))
        .findFirst();
  }

  /** The session directory a node process was given ({@code --session-dir=DIR}). */
  private static Path sessionDirOf(ProcessHandle process) {
    for (String arg : argumentsOf(process)) {
      if (arg.startsWith("--session-dir=")) {
        return Path.of(arg.substring("--session-dir=".length()));
      }
    }
    throw new AssertionError("no --session-dir among the arguments of " + process.pid());
  }

  /** The shared-memory files of process {@code pid}. */
  private static List<String> shmFilesOf(long pid) throws IOException {
    Path shm = Path.of("/dev/shm");
    if (!Files.isDirectory(shm)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(shm)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-" + pid + "-"))
          .toList();
    }
  }

  @Test
  void addedNodesRunWhatNeedsTheirResourcesAndKilledOnesAreNoticed() throws Exception {
    LocalCluster cluster = LocalCluster.start(small().build());
    try {
      LocalCluster.Node head = cluster.head();
      LocalCluster.Node a = cluster.addNode(small().resource("accel", 1).build());
      assertThat(cluster.nodes()).containsExactly(head, a);
      assertThat(head.isHead()).isTrue();
      assertThat(a.isHead()).isFalse();
      assertThat(head.resources()).isEqualTo(Map.of("CPU", 1.0));
      assertThat(a.resources()).isEqualTo(Map.of("CPU", 1.0, "accel", 1.0));
      assertThat(List.of(head, a)).allMatch(LocalCluster.Node::isAlive);
      ProcessHandle processA = processOf(a).orElseThrow();
      Path sessions = sessionDirOf(processA).getParent();
      assertThat(sessions).isDirectory();

      Prism.init(cluster.address());
      try {
        assertThat(Prism.runtimeContext().nodeId()).as("the driver's node").isEqualTo(head.id());
        assertThat(Prism.get(Prism.task(LocalClusterTest::whereAmI).remote(), WAIT))
            .as("a task without the resource")
            .isEqualTo(head.id());
        ObjectRef<String> onA =
            Prism.task(LocalClusterTest::whereAmI).setResource("accel", 1).remote();
        assertThat(Prism.get(onA, WAIT)).isEqualTo(a.id());

        ActorHandle<Locator> onVictim =
            Prism.actor(Locator::new)
                .setMaxRestarts(0)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(a.id(), false))
                .remote();
        assertThat(Prism.get(onVictim.task(Locator::node).remote(), WAIT)).isEqualTo(a.id());
        ObjectRef<String> blocked =
            Prism.task(LocalClusterTest::blockOn, a.id()).setResource("accel", 1).remote();
        assertThat(Prism.wait(List.of(blocked), Duration.ofSeconds(1)).ready())
            .as("the task blocks on the node that has the resource")
            .isEmpty();
        assertThat(shmFilesOf(processA.pid())).as("node a's store").isNotEmpty();

        cluster.killNode(a);
        assertThat(a.isAlive()).isFalse();
        assertThat(processA.isAlive()).isFalse();
        assertThat(processA.descendants()).as("node a's workers").noneMatch(ProcessHandle::isAlive);
        assertThat(shmFilesOf(processA.pid())).as("node a's store after the kill").isEmpty();
        assertThat(cluster.nodes()).containsExactly(head);
        assertThatThrownBy(() -> cluster.killNode(a))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(a.id())
            .hasMessageContaining("removed or killed already");
        assertThatThrownBy(
                () -> Prism.get(onVictim.task(Locator::node).remote(), WAIT),
                "the actor on the killed node")
            .isInstanceOf(ActorDiedException.class);
        assertThatThrownBy(() -> Prism.get(blocked, Duration.ofSeconds(2)))
            .as("no node has 'accel' now: the task waits")
            .isInstanceOf(GetTimeoutException.class);

        LocalCluster.Node b = cluster.addNode(small().resource("accel", 1).build());
        assertThat(Prism.get(blocked, WAIT))
            .as("the task is retried on the node that joined")
            .isEqualTo(b.id());
        ProcessHandle processB = processOf(b).orElseThrow();

        cluster.removeNode(b);
        assertThat(b.isAlive()).isFalse();
        assertThat(processB.isAlive()).isFalse();
        assertThat(shmFilesOf(processB.pid())).as("node b's store after its removal").isEmpty();
        assertThat(cluster.nodes()).containsExactly(head);
        assertThatThrownBy(() -> cluster.removeNode(b))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("removed or killed already");
      } finally {
        Prism.shutdown();
      }

      assertThatThrownBy(() -> cluster.removeNode(head))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("head");
      assertThatThrownBy(() -> cluster.killNode(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("node");
      // A node still running when the cluster closes stops with it.
      LocalCluster.Node c = cluster.addNode(small().build());
      ProcessHandle processC = processOf(c).orElseThrow();
      cluster.close();
      assertThat(cluster.nodes()).isEmpty();
      assertThat(List.of(head, c)).noneMatch(LocalCluster.Node::isAlive);
      assertThat(processC.isAlive()).isFalse();
      assertThat(shmFilesOf(processC.pid())).as("node c's store").isEmpty();
      assertThat(sessions).as("the cluster's files").doesNotExist();
      assertThatThrownBy(() -> cluster.addNode(small().build()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      cluster.close(); // idempotent
    } finally {
      cluster.close();
    }
    Awaitility.await("no node or worker process is left")
        .atMost(Duration.ofSeconds(60))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    assertThat(ClusterFixture.shmFiles()).as("the head's shared memory").isEmpty();
  }

  @Test
  void badOptionsGiveClearErrors() {
    assertThatThrownBy(() -> NodeOptions.builder().cpus(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cpus is -1; give 0 or more");
    assertThatThrownBy(() -> NodeOptions.builder().gpus(2000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gpus is 2000");
    assertThatThrownBy(() -> NodeOptions.builder().memory(-5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memory is -5");
    assertThatThrownBy(() -> NodeOptions.builder().resource("CPU", 2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpus(n)");
    assertThatThrownBy(() -> NodeOptions.builder().resource("memory", 2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memory(bytes)");
    assertThatThrownBy(() -> NodeOptions.builder().resource(" ", 2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank name");
    assertThatThrownBy(() -> NodeOptions.builder().resource("x", Double.NaN).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x' has amount NaN");
    assertThatThrownBy(() -> NodeOptions.builder().resource("x", -1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x' has amount -1.0");
    assertThatThrownBy(() -> NodeOptions.builder().objectStoreMemory(1000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("objectStoreMemory is 1000 bytes");
    assertThatThrownBy(() -> NodeOptions.builder().workerHeap(1 << 20).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("workerHeap is 1048576 bytes");
    assertThatThrownBy(() -> NodeOptions.builder().resource(null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> NodeOptions.builder().resources(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("resources");
    java.util.Map<String, Double> withNull = new java.util.HashMap<>();
    withNull.put("x", null);
    assertThatThrownBy(() -> NodeOptions.builder().resources(withNull).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("'x'");
    assertThatThrownBy(() -> new NodeOptions(1, 0, 0, null, 1L << 20, 0))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("resources");
    assertThatThrownBy(() -> LocalCluster.start(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("head");

    NodeOptions defaults = NodeOptions.defaults();
    assertThat(defaults.cpus()).isEqualTo(1);
    assertThat(defaults.gpus()).isZero();
    assertThat(defaults.objectStoreMemory()).isEqualTo(NodeOptions.DEFAULT_OBJECT_STORE_MEMORY);
    assertThat(defaults.workerHeap()).isZero();
    NodeOptions full =
        NodeOptions.builder()
            .cpus(2)
            .gpus(1)
            .memory(1L << 30)
            .resources(Map.of("a", 1.0))
            .resource("b", 0.5)
            .build();
    assertThat(full.resources()).isEqualTo(Map.of("a", 1.0, "b", 0.5));
    assertThatThrownBy(() -> full.resources().put("c", 1.0))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
