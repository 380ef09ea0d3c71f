package dev.prism.runtime.node;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.gcs.GcsException;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the node's available resources to the GCS: every report period (the heartbeat), and
 * shortly after a change (coalesced: many changes within the report delay make one report). The
 * reply, the GCS's view of the cluster, goes to the view sink. Runs on its own thread.
 */
final class ResourceReporter {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceReporter.class);

  private final GcsClient gcs;
  private final Supplier<NodeInfo> self;
  private final Supplier<ResourceAmounts> available;
  private final Consumer<List<NodeInfo>> viewSink;
  private final Duration period;
  private final Duration delay;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final ScheduledExecutorService executor;
  private volatile boolean stopped;
  private int failures;

  ResourceReporter(
      GcsClient gcs,
      String nodeId,
      Supplier<NodeInfo> self,
      Supplier<ResourceAmounts> available,
      Consumer<List<NodeInfo>> viewSink,
      Duration period,
      Duration delay) {
    this.gcs = gcs;
    this.self = self;
    this.available = available;
    this.viewSink = viewSink;
    this.period = period;
    this.delay = delay;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t =
                  new Thread(
                      r, "prism-nm-report-" + nodeId.substring(0, Math.min(8, nodeId.length())));
              t.setDaemon(true);
              return t;
            });
  }

  /** Registers the node with the GCS, reads the cluster view, and starts the heartbeat. */
  void start() {
    gcs.registerNode(self.get());
    viewSink.accept(gcs.getAllNodes());
    executor.scheduleWithFixedDelay(
        this::report, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Asks for a report soon; many calls within the report delay make one report. */
  void markDirty() {
    if (!stopped && pending.compareAndSet(false, true)) {
      try {
        executor.schedule(this::report, delay.toNanos(), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  private void report() {
    if (stopped) {
      return;
    }
    pending.set(false);
    NodeInfo node = self.get();
    try {
      viewSink.accept(
          gcs.reportResources(node.getNodeId(), available.get(), node.getInfeasibleDemandsList()));
      if (failures > 0) {
        LOG.info("resource reports to the GCS at {} work again", gcs.address());
      }
      failures = 0;
    } catch (GcsException e) {
      Status.Code code = Status.fromThrowable(e).getCode();
      if (code == Status.Code.NOT_FOUND) {
        LOG.info(
            "the GCS at {} does not know node {}; registering again",
            gcs.address(),
            node.getNodeId());
        tryRegister(node);
      } else if (stopped || Thread.currentThread().isInterrupted()) {
        // The node is shutting down: the report was cut short on purpose.
        LOG.debug("resource report to the GCS stopped at shutdown: {}", e.getMessage());
      } else if (failures++ == 0) {
        LOG.warn("resource report to the GCS failed: {}", e.getMessage());
      } else {
        LOG.debug("resource report to the GCS failed again: {}", e.getMessage());
      }
    } catch (RuntimeException e) {
      LOG.error("resource report failed", e);
    }
  }

  private void tryRegister(NodeInfo node) {
    try {
      gcs.registerNode(node.toBuilder().setAvailable(available.get()).build());
    } catch (GcsException e) {
      LOG.warn("registering node {} again failed: {}", node.getNodeId(), e.getMessage());
    }
  }

  /** Stops reporting, then tells the GCS the node is leaving (best effort). */
  void stop(boolean unregister) {
    stopped = true;
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (unregister) {
      try {
        gcs.unregisterNode(self.get().getNodeId());
      } catch (GcsException e) {
        LOG.debug("unregistering from the GCS failed: {}", e.getMessage());
      }
    }
  }
}
