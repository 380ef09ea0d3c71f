package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.InfeasibleDemand;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import org.junit.jupiter.api.Test;

/** The node's record of infeasible demands, and parsing a dead owner's id. */
class InfeasibleDemandsTest {

  private static final long SECOND = 1_000_000_000L;
  private static final ResourceAmounts GPUS =
      ResourceAmounts.newBuilder().putAmounts("GPU", 80_000).build();

  private static LeaseRequest request(ResourceAmounts shape, int port) {
    return LeaseRequest.newBuilder()
        .setResources(shape)
        .setSubmitter(Address.newBuilder().setHost("h").setPort(port).setWorkerId("w" + port))
        .build();
  }

  @Test
  void aShapeIsListedWhileSomeoneAsksAndDroppedWhenFeasibleOrQuiet() {
    InfeasibleDemands d = new InfeasibleDemands();
    assertThat(d.record(request(GPUS, 1), "no GPUs", 0)).as("a new shape").isTrue();
    assertThat(d.record(request(GPUS, 2), "no GPUs at all", SECOND)).isFalse();
    assertThat(d.record(request(GPUS, 1), "no GPUs at all", 2 * SECOND)).isFalse();
    assertThat(d.current(3 * SECOND))
        .containsExactly(
            InfeasibleDemand.newBuilder()
                .setResources(GPUS)
                .setSubmitters(2)
                .setReason("no GPUs at all")
                .build());

    long window = InfeasibleDemands.WINDOW.toNanos();
    assertThat(d.current(SECOND + window + 1))
        .as("submitter 2 stopped asking")
        .singleElement()
        .extracting(InfeasibleDemand::getSubmitters)
        .isEqualTo(1);
    assertThat(d.current(2 * SECOND + window + 1)).as("nobody asks any more").isEmpty();

    d.record(request(GPUS, 1), "no GPUs", 0);
    assertThat(d.clear(request(ResourceAmounts.newBuilder().putAmounts("CPU", 10_000).build(), 1)))
        .as("another shape")
        .isFalse();
    assertThat(d.clear(request(GPUS, 3))).isTrue();
    assertThat(d.current(0)).isEmpty();
  }

  @Test
  void aLabelSelectorMakesAShapeOfItsOwn() {
    InfeasibleDemands d = new InfeasibleDemands();
    LeaseRequest onMars = request(GPUS, 1);
    onMars =
        onMars.toBuilder()
            .setStrategy(
                dev.prism.runtime.rpc.SchedulingStrategyProto.newBuilder()
                    .putLabelSelector("region", "mars"))
            .build();
    assertThat(d.record(onMars, "no node matches", 0)).isTrue();
    assertThat(d.clear(request(GPUS, 2)))
        .as("the same resources without the selector are another shape")
        .isFalse();
    assertThat(d.current(0))
        .singleElement()
        .extracting(InfeasibleDemand::getLabelSelectorMap)
        .isEqualTo(java.util.Map.of("region", "mars"));
    assertThat(d.clear(onMars)).isTrue();
  }

  @Test
  void aDeadOwnersIdMustBeAWorkerId() {
    assertThat(DeadOwnerCleanup.ownerOf("00000000000000ff")).isEqualTo(255L);
    assertThat(DeadOwnerCleanup.ownerOf("ffffffffffffffff")).isEqualTo(-1L);
    for (String bad : new String[] {"", "abc", "00000000000000fg", "00000000000000000"}) {
      assertThatThrownBy(() -> DeadOwnerCleanup.ownerOf(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("16 hex digits");
    }
  }
}
