package dev.prism.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rules every {@link SchedulingPolicy} must follow, run against each implementation. */
abstract class SchedulingPolicyContractTest {

  abstract SchedulingPolicy policy();

  /** Turns a plain request into one this policy handles (strategy, locality...). */
  SchedulingRequest adapt(SchedulingRequest r) {
    return r;
  }

  static ClusterResourceView cluster(int nodes, double cpus) {
    ClusterResourceView c = new ClusterResourceView();
    for (int i = 0; i < nodes; i++) {
      c.addNode(
          NodeSpec.builder("n" + i).cpu(cpus).label("zone", i % 2 == 0 ? "even" : "odd").build());
    }
    return c;
  }

  SchedulingRequest cpu(double amount) {
    return adapt(SchedulingRequest.of(ResourceSet.of("CPU", amount)));
  }

  @Test
  void schedulesOnlyOnNodesWithRoomAndUntilFull() {
    ClusterResourceView c = cluster(3, 2);
    SchedulingPolicy p = policy();
    for (int i = 0; i < 6; i++) {
      SchedulingDecision d = p.schedule(c, cpu(1));
      assertThat(d).isInstanceOf(SchedulingDecision.Scheduled.class);
      NodeId node = ((SchedulingDecision.Scheduled) d).node();
      assertThat(c.requireNode(node).isAvailable(ResourceRequest.of(ResourceSet.of("CPU", 1))))
          .isTrue();
      c.allocate(node, cpu(1));
    }
    assertThat(p.schedule(c, cpu(1))).isInstanceOf(SchedulingDecision.Unavailable.class);
    assertThat(c.availableResources().isEmpty()).isTrue();
  }

  @Test
  void infeasibleIsDistinctFromBusy() {
    ClusterResourceView c = cluster(2, 2);
    SchedulingDecision d = policy().schedule(c, cpu(3));
    assertThat(d).isInstanceOf(SchedulingDecision.Infeasible.class);
    assertThat(((SchedulingDecision.Infeasible) d).reason())
        .contains("CPU needs 3 but the largest node total is 2");
    SchedulingDecision custom =
        policy().schedule(c, adapt(SchedulingRequest.of(ResourceSet.of("TPU", 1))));
    assertThat(custom).isInstanceOf(SchedulingDecision.Infeasible.class);
    assertThat(((SchedulingDecision.Infeasible) custom).reason())
        .isEqualTo(
            "{TPU=1} is infeasible on 2 node(s): TPU needs 1 but the largest node total is 0");
  }

  @Test
  void emptyClusterIsInfeasible() {
    SchedulingDecision d = policy().schedule(new ClusterResourceView(), cpu(1));
    assertThat(d)
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "the cluster has no nodes; {CPU=1} cannot be placed until a node joins"));
  }

  @Test
  void respectsLabelSelectors() {
    ClusterResourceView c = cluster(4, 8);
    SchedulingPolicy p = policy();
    SchedulingRequest base = cpu(1);
    SchedulingRequest odd =
        new SchedulingRequest(
            base.resources(),
            null,
            LabelSelector.builder().equals("zone", "odd").build(),
            base.strategy(),
            base.argumentBytes());
    Set<NodeId> used = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      SchedulingDecision d = p.schedule(c, odd);
      used.add(((SchedulingDecision.Scheduled) d).node());
    }
    assertThat(used)
        .allSatisfy(n -> assertThat(c.requireNode(n).labels().get("zone")).isEqualTo("odd"));
    SchedulingRequest none =
        new SchedulingRequest(
            base.resources(),
            null,
            LabelSelector.builder().exists("gpu-type").build(),
            base.strategy(),
            base.argumentBytes());
    assertThat(p.schedule(c, none))
        .isEqualTo(
            new SchedulingDecision.Infeasible(
                "no node matches label selector [gpu-type EXISTS] (4 nodes in the cluster)"));
  }

  @Test
  void gpuRequestsNeedAFittingDevice() {
    ClusterResourceView c = new ClusterResourceView();
    c.addNode(NodeSpec.builder("cpu-only").cpu(8).build());
    c.addNode(NodeSpec.builder("gpu").cpu(8).gpu(1).build());
    SchedulingRequest g = adapt(SchedulingRequest.of(ResourceSet.of("GPU", 0.5)));
    SchedulingDecision d = policy().schedule(c, g);
    assertThat(d).isEqualTo(new SchedulingDecision.Scheduled(NodeId.of("gpu")));
    c.allocate(NodeId.of("gpu"), g);
    c.allocate(NodeId.of("gpu"), g);
    assertThat(policy().schedule(c, g)).isInstanceOf(SchedulingDecision.Unavailable.class);
  }
}
