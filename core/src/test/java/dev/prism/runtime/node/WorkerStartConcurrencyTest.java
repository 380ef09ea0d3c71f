package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.prism.runtime.rpc.LeaseReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cap on worker JVMs starting at once: many zero-CPU leases at once (as actors without
 * resources ask for) all get a worker, a few JVMs at a time, and a start failure under the cap
 * rejects only the lease its worker would have served.
 */
class WorkerStartConcurrencyTest {

  @AfterAll
  static void nothingLeaked() throws Exception {
    NodeTestSupport.assertNothingLeaked();
  }

  /** Samples the node's worker list and keeps the most workers seen starting at once. */
  private static final class StartingSampler implements AutoCloseable {
    private final AtomicInteger max = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    StartingSampler(NodeManager nm) {
      thread =
          Thread.ofPlatform()
              .daemon()
              .name("starting-sampler")
              .start(
                  () -> {
                    while (!stop.get()) {
                      int n =
                          (int)
                              nm.workers().stream()
                                  .filter(w -> w.state() == WorkerInfo.State.STARTING)
                                  .count();
                      max.accumulateAndGet(n, Math::max);
                      try {
                        Thread.sleep(1);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
    }

    int max() {
      return max.get();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(5000);
    }
  }

  private static List<LeaseReply> requestAtOnce(NodeTestSupport.Leases leases, int count)
      throws Exception {
    List<ListenableFuture<LeaseReply>> pending = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pending.add(leases.send(NodeTestSupport.Leases.request(Map.of())));
    }
    List<LeaseReply> replies = new ArrayList<>();
    for (ListenableFuture<LeaseReply> f : pending) {
      replies.add(f.get(60, TimeUnit.SECONDS));
    }
    return replies;
  }

  @Test
  void sixZeroCpuLeasesAtOnceAllGetAWorkerWithAtMostTwoStarting() throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs).prestartWorkers(0).maxConcurrentWorkerStarts(2).build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address());
        StartingSampler sampler = new StartingSampler(nm)) {
      List<LeaseReply> replies = requestAtOnce(leases, 6);

      Set<String> workerIds = new HashSet<>();
      for (LeaseReply r : replies) {
        assertThat(r.getResultCase()).as(r.toString()).isEqualTo(LeaseReply.ResultCase.GRANTED);
        workerIds.add(r.getGranted().getWorker().getWorkerId());
      }
      assertThat(workerIds).as("each lease holds its own worker").hasSize(6);
      assertThat(nm.workers()).hasSize(6).allMatch(w -> w.state() == WorkerInfo.State.LEASED);
      assertThat(sampler.max()).as("most workers seen starting at once").isBetween(1, 2);
    }
  }

  @Test
  void aStartFailureUnderTheCapRejectsOnlyTheLeaseItsWorkerWouldHaveServed(@TempDir Path dir)
      throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    ConcurrentLinkedQueue<String> startFailures = new ConcurrentLinkedQueue<>();
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs)
            .prestartWorkers(0)
            .maxConcurrentWorkerStarts(2)
            .workerEnvironment(FixtureWorkerMain.MODE, "exit-before-register-once")
            .workerEnvironment(FixtureWorkerMain.FLAG, dir.resolve("failed-once").toString())
            .build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address());
        StartingSampler sampler = new StartingSampler(nm)) {
      nm.addWorkerListener(
          new WorkerListener() {
            @Override
            public void workerStartFailed(WorkerInfo worker, String reason) {
              startFailures.add(reason);
            }
          });
      List<LeaseReply> replies = requestAtOnce(leases, 4);

      List<LeaseReply> rejected =
          replies.stream()
              .filter(r -> r.getResultCase() == LeaseReply.ResultCase.REJECTED)
              .toList();
      assertThat(rejected)
          .singleElement()
          .satisfies(
              r -> assertThat(r.getRejected()).contains("exited with code 3 before registering"));
      assertThat(replies)
          .filteredOn(r -> r.getResultCase() == LeaseReply.ResultCase.GRANTED)
          .hasSize(3);
      await().atMost(Duration.ofSeconds(5)).until(() -> !startFailures.isEmpty());
      assertThat(startFailures).hasSize(1);
      // No worker was started for the rejected lease, nor left over.
      await().atMost(Duration.ofSeconds(5)).until(() -> nm.workers().size() == 3);
      assertThat(nm.workers()).allMatch(w -> w.state() == WorkerInfo.State.LEASED);
      assertThat(sampler.max()).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void aStartFailureRejectsNoLeaseWhileQueuedStartsStillCoverTheWaitingLeases(@TempDir Path dir)
      throws Exception {
    NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
    ConcurrentLinkedQueue<String> startFailures = new ConcurrentLinkedQueue<>();
    // One slot, three prestarts: the first fails; the two queued behind it serve the leases.
    NodeConfig config =
        NodeTestSupport.fixtureConfig(logs)
            .prestartWorkers(3)
            .maxConcurrentWorkerStarts(1)
            .workerEnvironment(FixtureWorkerMain.MODE, "exit-before-register-once")
            .workerEnvironment(FixtureWorkerMain.FLAG, dir.resolve("failed-once").toString())
            .build();
    try (NodeManager nm = NodeManager.start(config);
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address());
        StartingSampler sampler = new StartingSampler(nm)) {
      nm.addWorkerListener(
          new WorkerListener() {
            @Override
            public void workerStartFailed(WorkerInfo worker, String reason) {
              startFailures.add(reason);
            }
          });
      List<LeaseReply> replies = requestAtOnce(leases, 2);

      assertThat(replies)
          .allSatisfy(
              r ->
                  assertThat(r.getResultCase())
                      .as(r.toString())
                      .isEqualTo(LeaseReply.ResultCase.GRANTED));
      await().atMost(Duration.ofSeconds(5)).until(() -> !startFailures.isEmpty());
      assertThat(startFailures).hasSize(1);
      assertThat(nm.awaitRegisteredWorkers(2, Duration.ofSeconds(30))).isTrue();
      assertThat(sampler.max()).isEqualTo(1);
    }
  }
}
