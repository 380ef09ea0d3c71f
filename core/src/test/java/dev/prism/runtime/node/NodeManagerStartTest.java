package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.gcs.GcsServer;
import org.junit.jupiter.api.Test;

/** A node manager that cannot start cleans up after itself and says why. */
class NodeManagerStartTest {

  @Test
  void anUnreachableGcsFailsTheStartAndLeavesNothingBehind() throws Exception {
    int deadPort;
    try (GcsServer gone = GcsServer.start()) {
      deadPort = gone.port();
    }
    NodeConfig config =
        NodeTestSupport.fixtureConfig(new NodeTestSupport.LogCollector())
            .gcsAddress("127.0.0.1:" + deadPort)
            .prestartWorkers(1)
            .build();
    assertThatThrownBy(() -> NodeManager.start(config))
        .isInstanceOf(NodeManagerException.class)
        .hasMessageContaining(config.nodeId())
        .hasMessageContaining("127.0.0.1:" + deadPort);
    NodeTestSupport.assertNothingLeaked();
  }

  @Test
  void aPortInUseFailsTheStartAndLeavesNothingBehind() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    try (NodeManager first =
        NodeManager.start(NodeTestSupport.fixtureConfig(logs).prestartWorkers(0).build())) {
      NodeConfig clash =
          NodeTestSupport.fixtureConfig(logs).prestartWorkers(0).port(first.port()).build();
      assertThatThrownBy(() -> NodeManager.start(clash))
          .isInstanceOf(NodeManagerException.class)
          .hasMessageContaining("cannot bind the node manager to 127.0.0.1:" + first.port());
      assertThat(NodeTestSupport.ownShmFiles()).containsExactly(first.storeShmPath());
    }
    NodeTestSupport.assertNothingLeaked();
  }
}
