package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node joined with {@code prism start --address} stops on its own when its head is gone. */
@Timeout(180)
class CliGcsLossTest {

  @Test
  void aJoinedNodeStopsWhenTheGcsStaysUnreachable(@TempDir Path dir) throws Exception {
    String previous = System.setProperty("prism.node.gcsLossTimeoutMs", "3000");
    ProcessHandle node = null;
    try {
      EmbeddedCluster head =
          EmbeddedCluster.start(
              NodeConfig.builder()
                  .numCpus(1)
                  .objectStoreCapacity(64L << 20)
                  .prestartWorkers(0)
                  .build());
      NodeLauncher.Started joined;
      try {
        joined =
            NodeLauncher.launch(
                StartOptions.parse(
                    List.of(
                        "--address",
                        head.gcsAddress(),
                        "--num-cpus",
                        "1",
                        "--object-store-memory",
                        "64m",
                        "--temp-dir",
                        dir.toString())));
        node = ProcessHandle.of(joined.record().pid()).orElseThrow();
        assertThat(node.isAlive()).isTrue();
      } finally {
        head.close();
      }
      ProcessHandle watched = node;
      Awaitility.await("the joined node stops after the GCS went away")
          .atMost(Duration.ofSeconds(60))
          .until(() -> !watched.isAlive());
      assertThat(Files.readString(joined.log()))
          .contains("has not answered for")
          .contains("stopping this node");
      assertThat(Path.of(joined.record().storeShm())).doesNotExist();
    } finally {
      if (previous == null) {
        System.clearProperty("prism.node.gcsLossTimeoutMs");
      } else {
        System.setProperty("prism.node.gcsLossTimeoutMs", previous);
      }
      if (node != null) {
        node.destroyForcibly();
      }
    }
  }
}
