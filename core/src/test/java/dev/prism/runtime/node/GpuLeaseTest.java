package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A node with two logical GPUs: GPU leases get workers started for exactly their devices, with the
 * right {@code CUDA_VISIBLE_DEVICES}; workers are reused per GPU set; idle extra workers stop.
 */
class GpuLeaseTest {

  @AfterAll
  static void nothingLeaked() throws Exception {
    NodeTestSupport.assertNothingLeaked();
  }

  private static String gpuLine(NodeTestSupport.LogCollector logs, long pid) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> logs.of(pid).stream().anyMatch(l -> l.text().contains("CUDA_VISIBLE_DEVICES=")));
    return logs.of(pid).stream()
        .filter(l -> l.text().contains("CUDA_VISIBLE_DEVICES="))
        .findFirst()
        .orElseThrow()
        .text();
  }

  @Test
  void gpuLeasesGetDistinctWorkersWithTheirDevicesAndIdleOnesStop() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs)
            .numGpus(2)
            .prestartWorkers(0)
            .workerIdleTimeout(Duration.ofMillis(1500))
            .build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      assertThat(nm.totalResources().get("GPU")).isEqualTo(2.0);
      LeaseRequest.Builder a = NodeTestSupport.Leases.request(Map.of("GPU", 1.0));
      LeaseRequest.Builder b = NodeTestSupport.Leases.request(Map.of("GPU", 1.0));
      ListenableFuture<LeaseReply> fa = leases.send(a);
      ListenableFuture<LeaseReply> fb = leases.send(b);
      LeaseReply.Granted ga = fa.get(40, TimeUnit.SECONDS).getGranted();
      LeaseReply.Granted gb = fb.get(40, TimeUnit.SECONDS).getGranted();

      assertThat(ga.getWorkerPid()).isNotEqualTo(gb.getWorkerPid());
      assertThat(List.of(ga.getGpuIdsList(), gb.getGpuIdsList()))
          .containsExactlyInAnyOrder(List.of(0), List.of(1));
      for (LeaseReply.Granted g : List.of(ga, gb)) {
        int device = g.getGpuIds(0);
        assertThat(g.getVisibleGpuIdsList()).containsExactly(Integer.toString(device));
        assertThat(gpuLine(logs, g.getWorkerPid()))
            .contains("CUDA_VISIBLE_DEVICES=" + device + " PRISM_GPU_IDS=" + device);
      }
      assertThat(nm.availableResources().get("GPU")).isEqualTo(0.0);

      // A third GPU lease waits, then reuses the worker of the device that comes back.
      LeaseRequest.Builder c = NodeTestSupport.Leases.request(Map.of("GPU", 1.0));
      ListenableFuture<LeaseReply> fc = leases.send(c);
      Thread.sleep(200);
      assertThat(fc).isNotDone();
      leases.giveBack(a.getLeaseId(), false);
      LeaseReply.Granted gc = fc.get(20, TimeUnit.SECONDS).getGranted();
      assertThat(gc.getWorkerPid()).isEqualTo(ga.getWorkerPid());
      assertThat(gc.getGpuIdsList()).isEqualTo(ga.getGpuIdsList());

      // A CPU lease on this node gets a worker that sees no GPU.
      LeaseRequest.Builder cpu = NodeTestSupport.Leases.request(Map.of("CPU", 1.0));
      LeaseReply.Granted gcpu = leases.call(cpu).getGranted();
      assertThat(gcpu.getGpuIdsList()).isEmpty();
      assertThat(gpuLine(logs, gcpu.getWorkerPid()))
          .contains("CUDA_VISIBLE_DEVICES= PRISM_GPU_IDS=");

      // Fractional GPU leases share a device but never a worker.
      leases.giveBack(b.getLeaseId(), false);
      leases.giveBack(c.getLeaseId(), false);
      LeaseRequest.Builder h1 = NodeTestSupport.Leases.request(Map.of("GPU", 0.5));
      LeaseRequest.Builder h2 = NodeTestSupport.Leases.request(Map.of("GPU", 0.5));
      LeaseReply.Granted g1 = leases.call(h1).getGranted();
      LeaseReply.Granted g2 = leases.call(h2).getGranted();
      assertThat(g1.getWorkerPid()).isNotEqualTo(g2.getWorkerPid());
      assertThat(g1.getGpuIdsCount()).isEqualTo(1);
      assertThat(g2.getGpuIdsCount()).isEqualTo(1);
      assertThat(nm.availableResources().get("GPU")).isEqualTo(1.0);

      leases.giveBack(h1.getLeaseId(), false);
      leases.giveBack(h2.getLeaseId(), false);
      leases.giveBack(cpu.getLeaseId(), false);
      assertThat(nm.availableResources().get("GPU")).isEqualTo(2.0);
      List<Long> pids = nm.workers().stream().map(WorkerInfo::pid).toList();
      assertThat(pids).isNotEmpty();

      // None of them was prestarted, so all stop once idle for longer than the idle timeout.
      await().atMost(Duration.ofSeconds(15)).until(() -> nm.workers().isEmpty());
      for (long pid : pids) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
      }
    }
  }
}
