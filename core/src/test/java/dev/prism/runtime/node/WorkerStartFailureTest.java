package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prism.runtime.rpc.LeaseReply;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Workers that never register, or exit before registering, fail their start visibly. */
class WorkerStartFailureTest {

  @AfterAll
  static void nothingLeaked() throws Exception {
    NodeTestSupport.assertNothingLeaked();
  }

  private static final class Failures implements WorkerListener {
    final ConcurrentLinkedQueue<String> reasons = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> pids = new ConcurrentLinkedQueue<>();

    @Override
    public void workerStartFailed(WorkerInfo worker, String reason) {
      pids.add(worker.pid());
      reasons.add(reason);
    }
  }

  @Test
  void aWorkerThatNeverRegistersIsKilledAfterTheStartTimeoutAndItsLeaseRejected() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    Failures failures = new Failures();
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs)
            .prestartWorkers(0)
            .workerStartTimeout(Duration.ofMillis(2500))
            .workerEnvironment(FixtureWorkerMain.MODE, "never-register")
            .build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      nm.addWorkerListener(failures);
      LeaseReply reply = leases.call(NodeTestSupport.Leases.request(Map.of("CPU", 1.0)));

      assertThat(reply.getResultCase()).isEqualTo(LeaseReply.ResultCase.REJECTED);
      assertThat(reply.getRejected()).contains("did not register within 2500 ms");
      assertThat(failures.reasons)
          .singleElement()
          .asString()
          .contains("did not register within 2500 ms")
          .contains("says hello on stderr");
      long pid = failures.pids.peek();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
      assertThat(nm.workers()).isEmpty();
      assertThat(nm.availableResources().get("CPU")).isEqualTo(2.0);
    }
  }

  @Test
  void aWorkerThatExitsBeforeRegisteringFailsTheLeaseWithItsOutput() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    Failures failures = new Failures();
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs)
            .prestartWorkers(0)
            .workerEnvironment(FixtureWorkerMain.MODE, "exit-before-register")
            .build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      nm.addWorkerListener(failures);
      LeaseReply reply = leases.call(NodeTestSupport.Leases.request(Map.of("CPU", 1.0)));

      assertThat(reply.getResultCase()).isEqualTo(LeaseReply.ResultCase.REJECTED);
      assertThat(reply.getRejected()).contains("exited with code 3 before registering");
      await().atMost(Duration.ofSeconds(5)).until(() -> !failures.reasons.isEmpty());
      assertThat(nm.workers()).isEmpty();
      assertThat(nm.availableResources().get("CPU")).isEqualTo(2.0);
    }
  }

  @Test
  void aWorkerWhoseMainClassIsMissingFailsWithTheJvmError() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs)
            .prestartWorkers(0)
            .workerMainClass("dev.prism.NoSuchWorkerMain")
            .build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      LeaseReply reply = leases.call(NodeTestSupport.Leases.request(Map.of("CPU", 1.0)));
      assertThat(reply.getRejected())
          .contains("exited with code 1 before registering")
          .contains("dev.prism.NoSuchWorkerMain");
    }
  }
}
