package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/** The typed knobs of the task and actor paths: their defaults, properties and validation. */
@ResourceLock(Resources.SYSTEM_PROPERTIES)
class WorkerTuningTest {

  private static final Map<String, String> PROPERTIES =
      Map.of(
          "prism.pipelineDepth", "4",
          "prism.lease.lingerMs", "0",
          "prism.lease.maxHoldMs", "500",
          "prism.pipeline.belowMicros", "250",
          "prism.actor.pollMs", "20");

  @AfterEach
  void clearProperties() {
    PROPERTIES.keySet().forEach(System::clearProperty);
  }

  @Test
  void withoutPropertiesTheDefaultsAreTheDocumentedOnes() {
    WorkerTuning t = WorkerTuning.defaults();
    assertThat(t.pipelineDepth()).isEqualTo(16);
    assertThat(t.leaseLinger()).isEqualTo(Duration.ofMillis(20));
    assertThat(t.leaseMaxHold()).isEqualTo(Duration.ofSeconds(2));
    assertThat(t.pipelineBelow()).isEqualTo(Duration.ofMillis(1));
    assertThat(t.actorPoll()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void systemPropertiesOverrideEachKnob() {
    PROPERTIES.forEach(System::setProperty);
    assertThat(WorkerTuning.defaults())
        .isEqualTo(
            new WorkerTuning(
                4,
                Duration.ZERO,
                Duration.ofMillis(500),
                Duration.ofNanos(250_000),
                Duration.ofMillis(20)));
  }

  @Test
  void aPropertyThatIsNotANumberIsNamed() {
    System.setProperty("prism.lease.maxHoldMs", "2s");
    assertThatThrownBy(WorkerTuning::defaults)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prism.lease.maxHoldMs")
        .hasMessageContaining("2s");
  }

  @Test
  void aPropertyOutOfRangeIsRefused() {
    System.setProperty("prism.pipelineDepth", "0");
    assertThatThrownBy(WorkerTuning::defaults)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipelineDepth");
    System.setProperty("prism.pipelineDepth", "4294967297");
    assertThatThrownBy(WorkerTuning::defaults)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prism.pipelineDepth");
  }

  @Test
  void eachKnobIsValidated() {
    WorkerTuning t = WorkerTuning.defaults();
    assertThatThrownBy(() -> t.withPipelineDepth(0)).hasMessageContaining("pipelineDepth");
    assertThatThrownBy(() -> t.withLeaseLinger(Duration.ofMillis(-1)))
        .hasMessageContaining("leaseLinger");
    assertThatThrownBy(() -> t.withLeaseMaxHold(Duration.ZERO))
        .hasMessageContaining("leaseMaxHold");
    assertThatThrownBy(() -> t.withPipelineBelow(Duration.ofNanos(-1)))
        .hasMessageContaining("pipelineBelow");
    assertThatThrownBy(() -> t.withActorPoll(Duration.ZERO)).hasMessageContaining("actorPoll");
    assertThatThrownBy(() -> t.withActorPoll(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("actorPoll");
  }

  @Test
  void zeroIsAllowedWhereItMeansAtOnce() {
    WorkerTuning t =
        WorkerTuning.defaults().withLeaseLinger(Duration.ZERO).withPipelineBelow(Duration.ZERO);
    assertThat(t.leaseLinger()).isZero();
    assertThat(t.pipelineBelow()).isZero();
  }

  @Test
  void withersChangeOnlyTheirKnob() {
    WorkerTuning t = WorkerTuning.defaults();
    assertThat(t.withPipelineDepth(3))
        .isEqualTo(
            new WorkerTuning(
                3, t.leaseLinger(), t.leaseMaxHold(), t.pipelineBelow(), t.actorPoll()));
    assertThat(t.withLeaseLinger(Duration.ofMillis(7)).leaseLinger())
        .isEqualTo(Duration.ofMillis(7));
    assertThat(t.withLeaseMaxHold(Duration.ofMillis(8)).leaseMaxHold())
        .isEqualTo(Duration.ofMillis(8));
    assertThat(t.withPipelineBelow(Duration.ofMillis(9)).pipelineBelow())
        .isEqualTo(Duration.ofMillis(9));
    assertThat(t.withActorPoll(Duration.ofMillis(10)))
        .isEqualTo(
            new WorkerTuning(
                t.pipelineDepth(),
                t.leaseLinger(),
                t.leaseMaxHold(),
                t.pipelineBelow(),
                Duration.ofMillis(10)));
  }

  @Test
  void settingsCarryTheTuningAndThePipelineDepthConstructorKeepsTheOtherDefaults() {
    WorkerTuning t = WorkerTuning.defaults().withActorPoll(Duration.ofMillis(20));
    CoreWorker.Settings s =
        new CoreWorker.Settings(
            CoreWorker.Mode.DRIVER,
            null,
            "n",
            "h:1",
            null,
            "h",
            null,
            java.util.List.of(),
            t,
            null,
            null,
            dev.prism.runtime.security.ClusterToken.generate());
    assertThat(s.tuning()).isSameAs(t);
    assertThat(s.pipelineDepth()).isEqualTo(16);

    CoreWorker.Settings byDepth =
        new CoreWorker.Settings(
            CoreWorker.Mode.DRIVER,
            null,
            "n",
            "h:1",
            null,
            "h",
            null,
            java.util.List.of(),
            5,
            null,
            null,
            s.token());
    assertThat(byDepth.tuning()).isEqualTo(WorkerTuning.defaults().withPipelineDepth(5));
    assertThatThrownBy(
            () ->
                new CoreWorker.Settings(
                    CoreWorker.Mode.DRIVER,
                    null,
                    "n",
                    "h:1",
                    null,
                    "h",
                    null,
                    java.util.List.of(),
                    (WorkerTuning) null,
                    null,
                    null,
                    s.token()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("tuning");
  }
}
