package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The node directory tells its listeners of each death once, as the GCS's view reports it. */
class NodeDirectoryTest {

  private static NodeInfo node(String id, boolean alive) {
    return NodeInfo.newBuilder()
        .setNodeId(id)
        .setAddress(Address.newBuilder().setHost("10.0.0.1").setPort(1))
        .setAlive(alive)
        .setDeathReason(alive ? "" : "no resource report for 10 s")
        .build();
  }

  @Test
  void aDeathIsToldOnceAndOnlyForANodeThatWasAlive() {
    NodeDirectory d = new NodeDirectory(null);
    List<String> died = new ArrayList<>();
    d.onDeath(n -> died.add(n.getNodeId() + ": " + n.getDeathReason()));
    d.onDeath(
        n -> {
          throw new IllegalStateException("a failing listener does not stop the others");
        });
    d.update(List.of(node("a", true), node("b", true), node("old", false)));
    assertThat(died).as("a node dead when first heard of was never pulled from").isEmpty();
    d.update(List.of(node("a", true), node("b", false), node("old", false)));
    d.update(List.of(node("a", true), node("b", false), node("old", false)));
    assertThat(died).containsExactly("b: no resource report for 10 s");
    assertThat(d.find("b")).isInstanceOf(NodeDirectory.Lookup.Unavailable.class);
    assertThat(d.find("a")).isInstanceOf(NodeDirectory.Lookup.Alive.class);
  }
}
