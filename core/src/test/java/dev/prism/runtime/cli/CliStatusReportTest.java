package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.scheduler.FixedPoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code prism status} prints for given GCS tables. */
class CliStatusReportTest {

  private static ResourceAmounts amounts(Map<String, Double> m) {
    ResourceAmounts.Builder b = ResourceAmounts.newBuilder();
    m.forEach((k, v) -> b.putAmounts(k, FixedPoint.toFixed(k, v)));
    return b.build();
  }

  private static NodeInfo node(
      String id,
      int port,
      boolean alive,
      String reason,
      Map<String, Double> total,
      Map<String, Double> available) {
    return NodeInfo.newBuilder()
        .setNodeId(id)
        .setAddress(Address.newBuilder().setHost("127.0.0.1").setPort(port))
        .setTotal(amounts(total))
        .setAvailable(amounts(available))
        .setAlive(alive)
        .setDeathReason(reason)
        .build();
  }

  @Test
  void listsNodesResourcesAndActors() {
    List<NodeInfo> nodes =
        List.of(
            node(
                "aaaa",
                1001,
                true,
                "",
                Map.of("CPU", 2.0, "object_store_memory", 512.0 * 1024 * 1024),
                Map.of("CPU", 1.5, "object_store_memory", 256.0 * 1024 * 1024)),
            node(
                "bbbb",
                1002,
                true,
                "",
                Map.of("CPU", 1.0, "special", 2.0),
                Map.of("CPU", 1.0, "special", 1.0)),
            node(
                "cccc",
                1003,
                false,
                "its resource reports stopped",
                Map.of("CPU", 8.0),
                Map.of("CPU", 8.0)));
    List<ActorInfo> actors =
        List.of(
            ActorInfo.newBuilder()
                .setActorId(ByteString.copyFrom(new byte[] {1, 2}))
                .setState(ActorState.ALIVE)
                .setNodeId("bbbb")
                .setNumRestarts(1)
                .setSpec(
                    ActorCreationSpec.newBuilder()
                        .setClassName("app.Counter")
                        .setName("c")
                        .setNamespace("ns"))
                .build(),
            ActorInfo.newBuilder()
                .setActorId(ByteString.copyFrom(new byte[] {3}))
                .setState(ActorState.DEAD)
                .setDeathCause("killed\nby the user")
                .setSpec(ActorCreationSpec.newBuilder().setClassName("app.Other"))
                .build());
    String text = StatusReport.render("127.0.0.1:6379", nodes, actors, List.of());
    assertThat(text)
        .contains("Prism cluster at 127.0.0.1:6379")
        .contains("Nodes: 2 alive, 1 dead")
        .contains("aaaa")
        .contains("127.0.0.1:1001")
        .contains("CPU 0.5/2, object_store_memory 256 MiB/512 MiB")
        .contains("CPU 0/1, special 1/2")
        .contains("dead: its resource reports stopped")
        .contains("Actors: 2 (1 alive)")
        .contains("0102")
        .contains("app.Counter")
        .contains("ns/c")
        .contains("ALIVE")
        .contains("app.Other")
        .contains("DEAD")
        .contains("killed | by the user");
    // Cluster-wide: alive nodes only.
    assertThat(text.lines().filter(l -> l.trim().startsWith("CPU ")).toList())
        .anySatisfy(l -> assertThat(l).contains("0.5 / 3"));
    assertThat(text.lines().filter(l -> l.trim().startsWith("special ")).toList())
        .anySatisfy(l -> assertThat(l).contains("1 / 2"));
  }

  @Test
  void anEmptyClusterSaysSo() {
    String text = StatusReport.render("h:1", List.of(), List.of(), List.of());
    assertThat(text)
        .contains("Nodes: 0 alive, 0 dead")
        .contains("Actors: 0 (0 alive)")
        .contains("(none)");
  }

  @Test
  void bytesAreHumanReadable() {
    assertThat(StatusReport.bytes(0)).isEqualTo("0 B");
    assertThat(StatusReport.bytes(512L << 20)).isEqualTo("512 MiB");
    assertThat(StatusReport.bytes(3L << 29)).isEqualTo("1.5 GiB");
  }

  @Test
  void placementGroupsAreListedWithTheirNodesOrWhyTheyWait() {
    dev.prism.runtime.rpc.PlacementGroupInfo created =
        dev.prism.runtime.rpc.PlacementGroupInfo.newBuilder()
            .setPlacementGroupId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2}))
            .setName("trainers")
            .setStrategy(dev.prism.runtime.rpc.PlacementStrategyProto.SPREAD)
            .setState(dev.prism.runtime.rpc.PlacementGroupState.PG_CREATED)
            .addBundles(
                dev.prism.runtime.rpc.ResourceAmounts.newBuilder().putAmounts("CPU", 10_000))
            .addBundleNodeIds("node-a")
            .build();
    dev.prism.runtime.rpc.PlacementGroupInfo pending =
        created.toBuilder()
            .setName("")
            .setState(dev.prism.runtime.rpc.PlacementGroupState.PG_PENDING)
            .clearBundleNodeIds()
            .setPendingReason("infeasible: needs 3 nodes")
            .build();
    String text = StatusReport.render("h:1", List.of(), List.of(), List.of(created, pending));
    assertThat(text)
        .contains("Placement groups: 2 (1 created)")
        .contains("trainers")
        .contains("SPREAD")
        .contains("CPU 1")
        .contains("node-a")
        .contains("(pending: infeasible: needs 3 nodes)");
  }

  @Test
  void infeasibleDemandsAreListedOncePerShapeFromAliveNodes() {
    dev.prism.runtime.rpc.InfeasibleDemand gpus =
        dev.prism.runtime.rpc.InfeasibleDemand.newBuilder()
            .setResources(amounts(Map.of("GPU", 8.0)))
            .setSubmitters(1)
            .setReason(
                "{GPU=8} is infeasible on 2 node(s): GPU needs 8 but the largest node total"
                    + " is 0; the cluster's nodes offer node aaaa {CPU=2}")
            .build();
    NodeInfo a =
        node("aaaa", 1001, true, "", Map.of("CPU", 2.0), Map.of("CPU", 2.0)).toBuilder()
            .addInfeasibleDemands(gpus)
            .build();
    NodeInfo b =
        node("bbbb", 1002, true, "", Map.of("CPU", 2.0), Map.of("CPU", 2.0)).toBuilder()
            .addInfeasibleDemands(gpus.toBuilder().setSubmitters(2))
            .build();
    NodeInfo dead =
        node("cccc", 1003, false, "gone", Map.of("CPU", 2.0), Map.of("CPU", 2.0)).toBuilder()
            .addInfeasibleDemands(gpus.toBuilder().setResources(amounts(Map.of("special", 1.0))))
            .build();
    String text = StatusReport.render("h:1", List.of(a, b, dead), List.of(), List.of());
    List<String> rows = text.lines().filter(l -> l.trim().startsWith("{")).toList();
    assertThat(rows).as("one row per shape, dead nodes left out").hasSize(1);
    assertThat(rows.getFirst())
        .contains("{GPU 8}")
        .contains("3")
        .contains("aaaa, bbbb")
        .contains("GPU needs 8 but the largest node total is 0")
        .contains("the cluster's nodes offer node aaaa {CPU=2}");
    assertThat(text)
        .contains("Infeasible demands (no node can run them; they wait for one that" + " can): 1");
    assertThat(StatusReport.render("h:1", List.of(), List.of(), List.of()))
        .contains("Infeasible demands (no node can run them; they wait for one that can): 0");
  }
}
