package dev.prism.scheduler;

import org.junit.jupiter.api.Nested;

/** Runs the {@link SchedulingPolicyContractTest} rules against every policy. */
class PolicyContractsTest {

  @Nested
  class Hybrid extends SchedulingPolicyContractTest {
    @Override
    SchedulingPolicy policy() {
      return SchedulingPolicy.hybrid(42);
    }
  }

  @Nested
  class HybridSampled extends SchedulingPolicyContractTest {
    @Override
    SchedulingPolicy policy() {
      return SchedulingPolicy.hybrid(new HybridOptions(0.5, 2, 1, 7));
    }
  }

  @Nested
  class Spread extends SchedulingPolicyContractTest {
    @Override
    SchedulingPolicy policy() {
      return SchedulingPolicy.spread();
    }
  }

  @Nested
  class SoftAffinity extends SchedulingPolicyContractTest {
    @Override
    SchedulingPolicy policy() {
      return SchedulingPolicy.nodeAffinity(SchedulingPolicy.hybrid(1));
    }

    @Override
    SchedulingRequest adapt(SchedulingRequest r) {
      return new SchedulingRequest(
          r.resources(),
          null,
          r.labelSelector(),
          SchedulingStrategy.nodeAffinity(NodeId.of("n1"), true),
          null);
    }
  }

  @Nested
  class Locality extends SchedulingPolicyContractTest {
    @Override
    SchedulingPolicy policy() {
      return SchedulingPolicy.dataLocality(SchedulingPolicy.hybrid(3));
    }

    @Override
    SchedulingRequest adapt(SchedulingRequest r) {
      return new SchedulingRequest(
          r.resources(),
          null,
          r.labelSelector(),
          null,
          java.util.Map.of(NodeId.of("n0"), 100L, NodeId.of("gpu"), 10L));
    }
  }

  @Nested
  class Standard extends SchedulingPolicyContractTest {
    @Override
    SchedulingPolicy policy() {
      return SchedulingPolicy.standard(5);
    }
  }
}
