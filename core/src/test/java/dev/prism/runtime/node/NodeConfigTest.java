package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.scheduler.GpuInventory;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

  @Test
  void defaultsFollowTheMachineAndTheLaunchContract() {
    NodeConfig c = NodeConfig.builder().numCpus(3).build();
    assertThat(c.nodeId()).matches("[0-9a-f]{32}");
    assertThat(NodeConfig.builder().build().nodeId()).isNotEqualTo(c.nodeId());
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isZero();
    assertThat(c.gcsAddress()).isEmpty();
    assertThat(c.gpus()).isEmpty();
    assertThat(c.prestartWorkers()).isEqualTo(3);
    assertThat(c.maxConcurrentWorkerStarts()).isEqualTo(3);
    assertThat(NodeConfig.builder().numCpus(0).build().maxConcurrentWorkerStarts())
        .as("at least two workers may start at once")
        .isEqualTo(2);
    assertThat(c.workerMainClass()).isEqualTo(NodeConfig.DEFAULT_WORKER_MAIN_CLASS);
    assertThat(c.workerJvmOptions()).isEqualTo(NodeConfig.DEFAULT_WORKER_JVM_OPTIONS);
    assertThat(c.classpath()).isEqualTo(System.getProperty("java.class.path"));
    assertThat(c.javaExecutable().toString()).startsWith(System.getProperty("java.home"));
    assertThat(c.workerStartTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(NodeConfig.builder().build().numCpus())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void jvmFlagsComeFromTheSystemPropertyOrTheStandardList() {
    String prop = System.getProperty("prism.jvm.flags");
    List<String> flags = NodeConfig.builder().build().jvmFlags();
    if (prop == null || prop.isBlank()) {
      assertThat(flags).isEqualTo(NodeConfig.STANDARD_JVM_FLAGS);
    } else {
      assertThat(flags).isEqualTo(List.of(prop.trim().split("\\s+")));
    }
  }

  @Test
  void toBuilderKeepsEveryValue() {
    NodeConfig c =
        NodeConfig.builder()
            .nodeId("abc123")
            .numCpus(2)
            .numGpus(1)
            .resource("accel", 2)
            .label("zone", "b")
            .gcsAddress("127.0.0.1:1234")
            .prestartWorkers(1)
            .maxConcurrentWorkerStarts(5)
            .workerHeap(64L << 20)
            .workerEnvironment("X", "y")
            .workerExtraJvmOptions(List.of("-Dx=1"))
            .objectTransfer(
                new ObjectTransferConfig(1 << 20, false, 1L << 20, 65536, Duration.ofSeconds(5)))
            .build();
    NodeConfig d = c.toBuilder().port(5555).build();
    assertThat(d.workerExtraJvmOptions()).containsExactly("-Dx=1");
    assertThat(d.objectTransfer()).isEqualTo(c.objectTransfer());
    assertThat(d.objectTransfer().dataChannel()).isFalse();
    assertThat(d.nodeId()).isEqualTo("abc123");
    assertThat(d.port()).isEqualTo(5555);
    assertThat(d.gpus()).hasValueSatisfying(g -> assertThat(g.count()).isEqualTo(1));
    assertThat(d.resources()).containsEntry("accel", 2.0);
    assertThat(d.labels()).containsEntry("zone", "b");
    assertThat(d.gcsAddress()).contains("127.0.0.1:1234");
    assertThat(d.prestartWorkers()).isEqualTo(1);
    assertThat(d.maxConcurrentWorkerStarts()).isEqualTo(5);
    assertThat(d.workerJvmOptions())
        .contains("-Xmx65536k", "-XX:+UseSerialGC")
        .noneMatch(o -> o.equals("-Xmx256m"));
    assertThat(d.workerEnvironment()).containsEntry("X", "y");
    assertThat(c.toBuilder().gpus(GpuInventory.logical(3)).build().gpus())
        .hasValueSatisfying(g -> assertThat(g.count()).isEqualTo(3));
  }

  @Test
  void objectTransferSettingsComeFromPropertiesReadOnce() {
    assertThat(ObjectTransferConfig.from(new Properties()))
        .as("nothing set: the defaults")
        .isEqualTo(ObjectTransferConfig.DEFAULTS);
    Properties p = new Properties();
    p.setProperty("prism.objectChunkBytes", "1048576");
    p.setProperty("prism.objectDataChannel", "false");
    p.setProperty("prism.objectDataIoBytes", " 131072 ");
    p.setProperty("prism.objectDataSocketBuffer", "262144");
    p.setProperty("prism.objectDataIdleTimeoutMs", "1500");
    assertThat(ObjectTransferConfig.from(p))
        .isEqualTo(
            new ObjectTransferConfig(
                1 << 20, false, 128L << 10, 256 << 10, Duration.ofMillis(1500)));
    p.setProperty("prism.objectChunkBytes", "1");
    p.setProperty("prism.objectDataIoBytes", Long.toString(1L << 40));
    ObjectTransferConfig clamped = ObjectTransferConfig.from(p);
    assertThat(clamped.chunkBytes())
        .as("sizes out of range are clamped, as before they were typed")
        .isEqualTo(ObjectTransferConfig.MIN_CHUNK_BYTES);
    assertThat(clamped.dataIoBytes()).isEqualTo(ObjectTransferConfig.MAX_DATA_IO_BYTES);
    p.setProperty("prism.objectDataIdleTimeoutMs", "soon");
    assertThatThrownBy(() -> ObjectTransferConfig.from(p))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("prism.objectDataIdleTimeoutMs is 'soon'");
    assertThat(NodeConfig.builder().build().objectTransfer())
        .as("a builder's default is read from this JVM's system properties")
        .isEqualTo(ObjectTransferConfig.fromSystemProperties());
  }

  @Test
  void objectTransferValuesOutOfRangeAreRefusedWithTheRange() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new ObjectTransferConfig(1, true, 1L << 20, 0, s))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("chunkBytes 1 ")
        .hasMessageContaining("65536..67108864");
    assertThatThrownBy(() -> new ObjectTransferConfig(1 << 20, true, 1, 0, s))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("dataIoBytes 1 ");
    assertThatThrownBy(() -> new ObjectTransferConfig(1 << 20, true, 1L << 20, -1, s))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("socketBuffer -1");
    assertThatThrownBy(() -> new ObjectTransferConfig(1 << 20, true, 1L << 20, 0, Duration.ZERO))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("idleTimeout");
  }

  @Test
  void badValuesAreRefusedWithTheValueAndTheFix() {
    assertThatThrownBy(() -> NodeConfig.builder().nodeId("Not-Hex").build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("Not-Hex");
    assertThatThrownBy(() -> NodeConfig.builder().numCpus(-1).build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> NodeConfig.builder().resource("CPU", 2).build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("numCpus");
    assertThatThrownBy(() -> NodeConfig.builder().objectStoreCapacity(10).build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("10 bytes");
    assertThatThrownBy(() -> NodeConfig.builder().workerStartTimeout(Duration.ZERO).build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("workerStartTimeout");
    assertThatThrownBy(() -> NodeConfig.builder().gcsAddress("nowhere").build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("nowhere");
    assertThatThrownBy(() -> NodeConfig.builder().classpath(" ").build())
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("class path");
    assertThatThrownBy(() -> NodeConfig.builder().prestartWorkers(-2))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("-2");
    assertThatThrownBy(() -> NodeConfig.builder().maxConcurrentWorkerStarts(0))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("maxConcurrentWorkerStarts 0")
        .hasMessageContaining("1 or more");
    assertThatThrownBy(() -> NodeConfig.builder().workerHeap(1024))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining("16 MiB");
  }

  @Test
  void theLauncherBuildsTheDocumentedCommandAndEnvironment() {
    NodeConfig c =
        NodeConfig.builder()
            .nodeId("ab12")
            .gcsAddress("127.0.0.1:7000")
            .jvmFlags(List.of("--flag"))
            .workerJvmOptions(List.of("-Xmx64m"))
            .workerExtraJvmOptions(List.of("-Dprofiled=1"))
            .classpath("a.jar:b")
            .workerMainClass("x.Main")
            .workerEnvironment("PRISM_NODE_ID", "overridden")
            .workerEnvironment("EXTRA", "1")
            .build();
    WorkerLauncher launcher = new WorkerLauncher(c, () -> "127.0.0.1:6000", "/tmp/s.sock");
    assertThat(launcher.command())
        .containsExactly(
            c.javaExecutable().toString(),
            "--flag",
            "-Xmx64m",
            "-Dprofiled=1",
            "-cp",
            "a.jar:b",
            "x.Main");
    WorkerHandle w =
        new WorkerHandle("ff01", new PoolKey(new GpuSet(List.of(0, 2), List.of("0", "2")), ""), 0);
    assertThat(launcher.environment(w))
        .containsEntry("PRISM_NODE_MANAGER_ADDRESS", "127.0.0.1:6000")
        .containsEntry("PRISM_GCS_ADDRESS", "127.0.0.1:7000")
        .containsEntry("PRISM_NODE_ID", "ab12")
        .containsEntry("PRISM_WORKER_ID", "ff01")
        .containsEntry("PRISM_STORE_SOCKET", "/tmp/s.sock")
        .containsEntry("PRISM_PARENT_PID", Long.toString(ProcessHandle.current().pid()))
        .containsEntry("PRISM_GPU_IDS", "0,2")
        .containsEntry("CUDA_VISIBLE_DEVICES", "0,2")
        .containsEntry("PRISM_BIND_HOST", "127.0.0.1")
        .containsEntry("EXTRA", "1");
    WorkerHandle cpu = new WorkerHandle("ff02", PoolKey.SHARED_CPU, 0);
    assertThat(launcher.environment(cpu))
        .containsEntry("PRISM_GPU_IDS", "")
        .containsEntry("CUDA_VISIBLE_DEVICES", "");
  }
}
