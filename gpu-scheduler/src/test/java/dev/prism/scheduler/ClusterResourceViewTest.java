package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClusterResourceViewTest {
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");

  static ResourceRequest cpu(double n) {
    return ResourceRequest.of(ResourceSet.of("CPU", n));
  }

  @Test
  void nodesJoinAndLeave() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder(A).cpu(2).build());
    c.addNode(NodeSpec.builder(B).cpu(4).build());
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.totalResources()).isEqualTo(ResourceSet.of("CPU", 6));
    assertThatThrownBy(() -> c.addNode(NodeSpec.builder(A).cpu(1).build()))
        .isInstanceOf(SchedulerException.class)
        .hasMessage(
            "node a is already in the cluster view; remove it first or use updateTotal to change its resources");
    Grant g = c.allocate(A, cpu(1));
    assertThat(c.removeNode(A)).isTrue();
    assertThat(c.removeNode(A)).isFalse();
    assertThat(c.size()).isEqualTo(1);
    assertThat(c.node(A)).isEmpty();
    assertThat(c.free(g)).isFalse();
    assertThat(c.totalResources()).isEqualTo(ResourceSet.of("CPU", 4));
    assertThatThrownBy(() -> c.requireNode(A))
        .isInstanceOf(UnknownNodeException.class)
        .hasMessage(
            "node a is not in the cluster view; add it with addNode(...) first or drop the stale id");
    assertThat(SchedulingPolicy.hybrid(1).schedule(c, SchedulingRequest.of(cpu(1))))
        .isEqualTo(new SchedulingDecision.Scheduled(B));
  }

  @Test
  void manyNodesGrowAndShrink() {
    ClusterResourceView c = new ClusterResourceView();
    for (int i = 0; i < 100; i++) {
      c.addNode(NodeSpec.builder("n" + i).cpu(1).build());
    }
    for (int i = 0; i < 100; i += 2) {
      c.removeNode(NodeId.of("n" + i));
    }
    assertThat(c.size()).isEqualTo(50);
    assertThat(c.nodes())
        .allSatisfy(
            n -> assertThat(Integer.parseInt(n.id().value().substring(1)) % 2).isEqualTo(1));
    for (NodeResources n : c.nodes()) {
      assertThat(c.requireNode(n.id())).isSameAs(n);
    }
  }

  @Test
  void totalsChangeIncrementally() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder(A).cpu(4).build());
    c.allocate(A, cpu(3));
    c.updateTotal(A, ResourceSet.of("CPU", 8, "TPU", 2));
    NodeResources a = c.requireNode(A);
    assertThat(a.total()).isEqualTo(ResourceSet.of("CPU", 8, "TPU", 2));
    assertThat(a.available()).isEqualTo(ResourceSet.of("CPU", 5, "TPU", 2));
    c.updateTotal(A, ResourceSet.of("CPU", 2));
    assertThat(a.isAvailable(cpu(0.1))).isFalse();
    assertThat(SchedulingPolicy.hybrid(1).schedule(c, SchedulingRequest.of(cpu(1))))
        .isInstanceOf(SchedulingDecision.Unavailable.class);
    assertThatThrownBy(() -> c.updateTotal(A, ResourceSet.of("CPU", 2, "GPU", 1)))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(
            "node a update sets GPU=1 but it has 0 GPU devices; remove and re-add the node to change its GPUs");
    assertThatThrownBy(() -> c.updateTotal(B, ResourceSet.of("CPU", 1)))
        .isInstanceOf(UnknownNodeException.class);
  }

  @Test
  void remoteNodesReportAvailability() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder(A).cpu(4).build());
    c.addNode(NodeSpec.builder(B).cpu(4).build());
    c.reportAvailable(A, ResourceSet.of("CPU", 0));
    c.reportAvailable(B, ResourceSet.of("CPU", 99));
    assertThat(c.requireNode(B).available()).isEqualTo(ResourceSet.of("CPU", 4));
    for (int i = 0; i < 5; i++) {
      assertThat(
              SchedulingPolicy.hybrid(i)
                  .schedule(
                      c, SchedulingRequest.builder(ResourceSet.of("CPU", 1)).localNode(A).build()))
          .isEqualTo(new SchedulingDecision.Scheduled(B));
    }
  }

  @Test
  void allocateByDecision() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder(A).cpu(1).build());
    SchedulingRequest r = SchedulingRequest.of(cpu(1));
    assertThat(c.tryAllocate(A, r)).isPresent();
    assertThat(c.tryAllocate(A, r)).isEmpty();
    assertThatThrownBy(() -> c.allocate(A, r)).isInstanceOf(InsufficientResourcesException.class);
    assertThatThrownBy(() -> c.allocate(B, cpu(1))).isInstanceOf(UnknownNodeException.class);
    assertThat(c.schedule(SchedulingPolicy.spread(), r))
        .isInstanceOf(SchedulingDecision.Unavailable.class);
  }

  @Test
  void millionCyclesLeaveNoDrift() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder(A).cpu(1).resource("custom", 1).build());
    ResourceRequest tenth = ResourceRequest.of(ResourceSet.of("CPU", 0.1, "custom", 0.3));
    Grant[] held = new Grant[3];
    for (int i = 0; i < 1_000_000; i++) {
      int k = i % 3;
      if (held[k] != null) {
        c.free(held[k]);
      }
      held[k] = c.allocate(A, tenth);
    }
    for (Grant g : held) {
      c.free(g);
    }
    assertThat(c.requireNode(A).available()).isEqualTo(ResourceSet.of("CPU", 1, "custom", 1));
  }

  @Test
  void reusedSlotStartsCleanAfterTheViewWidened() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder(A).cpu(1).resource("wide_custom", 2).build());
    c.allocate(A, ResourceRequest.of(ResourceSet.of("wide_custom", 1)));
    c.removeNode(A);
    NodeResources b = c.addNode(NodeSpec.builder(B).cpu(1).build());
    assertThat(b.total()).isEqualTo(ResourceSet.of("CPU", 1));
    assertThat(b.available()).isEqualTo(ResourceSet.of("CPU", 1));
    assertThat(
            SchedulingPolicy.hybrid(1)
                .schedule(c, SchedulingRequest.of(ResourceSet.of("wide_custom", 1))))
        .isInstanceOf(SchedulingDecision.Infeasible.class);
  }
}
