package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.scheduler.NodeId;
import dev.prism.scheduler.NodeSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The remote part of a node manager's cluster view, as the GCS reports it. */
class LeaseDeciderViewTest {

  private static NodeInfo remote(String id, long cpuAvailableFixed) {
    return NodeInfo.newBuilder()
        .setNodeId(id)
        .setAddress(Address.newBuilder().setHost("127.0.0.1").setPort(1234))
        .setTotal(
            ResourceAmounts.newBuilder().putAmounts("CPU", 20_000).putAmounts("custom", 1_000_000))
        .setAvailable(
            ResourceAmounts.newBuilder()
                .putAmounts("CPU", cpuAvailableFixed)
                .putAmounts("custom", 999_870))
        .setAlive(true)
        .build();
  }

  @Test
  void aRemoteNodeWithFractionalAvailabilityStaysInTheView() {
    LeaseDecider decider =
        new LeaseDecider(NodeSpec.builder(NodeId.of("local")).resource("CPU", 2).build(), 1);
    // 1.5 CPUs and 99.987 of a custom resource free: what a node reports while a 0.5-CPU task
    // and 13 bundles of 0.001 hold the rest. Such amounts are fine as availability (only
    // requests must use whole numbers above 1).
    decider.update(List.of(remote("remote", 15_000)));
    assertThat(decider.knownNodes()).isEqualTo(2);
    decider.update(List.of());
    assertThat(decider.knownNodes()).isEqualTo(1);
  }
}
