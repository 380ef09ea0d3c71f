package dev.prism.runtime.metrics;

import dev.prism.runtime.rpc.MetricPoint;
import dev.prism.runtime.rpc.ReportMetricsReply;
import dev.prism.runtime.rpc.ReportMetricsRequest;
import dev.prism.runtime.spi.MetricRegistry;
import dev.prism.runtime.worker.CoreWorker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what code in this process recorded through {@code dev.prism.metrics} to the node manager of
 * its node ({@code ReportMetrics}), which exports it ({@link ReportedMetrics}). One daemon thread,
 * started when the first metric is defined, reports every {@link #INTERVAL}; a core worker that
 * closes reports once more first. While the process has no core worker (before {@code Prism.init},
 * after {@code shutdown}) values accumulate, and a report that fails is put back, so nothing is
 * lost while the node is away (a gauge sends its latest value).
 */
public final class MetricsExporter {

  /** How often a process reports. */
  public static final Duration INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(MetricsExporter.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** A closing process waits this long at most for its last report: shutdown stays prompt. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  private static final Object SEND = new Object();
  private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
  private static ScheduledExecutorService timer;

  private MetricsExporter() {}

  /** Starts the reporting thread; idempotent. */
  public static synchronized void start() {
    if (timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prism-metrics-export");
              t.setDaemon(true);
              return t;
            });
    long ms = INTERVAL.toMillis();
    timer.scheduleWithFixedDelay(MetricsExporter::reportNow, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * Whether the reporting thread runs: only once a metric was defined in this process.
   *
   * @return true after {@link #start()}
   */
  public static synchronized boolean started() {
    return timer != null;
  }

  /**
   * Reports through a core worker that is closing, when any metric was defined: the last values
   * reach the node before the process's connection to it closes.
   *
   * @param worker the closing core worker
   */
  public static void flushAtClose(CoreWorker worker) {
    if (MetricRegistry.get().exportStarted()) {
      report(worker, CLOSE_TIMEOUT);
    }
  }

  private static void reportNow() {
    CoreWorker w = CoreWorker.currentOrNull();
    if (w != null) {
      report(w, TIMEOUT);
    }
  }

  private static void report(CoreWorker worker, Duration timeout) {
    synchronized (SEND) {
      List<MetricRegistry.Point> points = MetricRegistry.get().drain();
      if (points.isEmpty()) {
        return;
      }
      ReportMetricsRequest.Builder request =
          ReportMetricsRequest.newBuilder().setWorkerId(worker.workerId());
      for (MetricRegistry.Point p : points) {
        request.addPoints(proto(p));
      }
      try {
        ReportMetricsReply reply = worker.reportMetrics(request.build(), timeout);
        for (String refused : reply.getRefusedList()) {
          if (LOGGED.add(refused)) {
            LOG.warn("the node does not export a metric: {}", refused);
          }
        }
      } catch (RuntimeException e) {
        MetricRegistry.get().restore(points);
        LOG.debug("reporting metrics to the node failed; they go with the next report", e);
      }
    }
  }

  private static MetricPoint proto(MetricRegistry.Point p) {
    MetricRegistry.Definition d = p.definition();
    MetricPoint.Builder b =
        MetricPoint.newBuilder()
            .setName(d.name())
            .setDescription(d.description())
            .setKind(
                switch (d.kind()) {
                  case COUNTER -> MetricPoint.Kind.COUNTER;
                  case GAUGE -> MetricPoint.Kind.GAUGE;
                  case HISTOGRAM -> MetricPoint.Kind.HISTOGRAM;
                })
            .addAllTagKeys(d.tagKeys())
            .addAllTagValues(p.tagValues())
            .setJobId(p.jobId())
            .setValue(p.value());
    for (double boundary : d.boundaries()) {
      b.addBoundaries(boundary);
    }
    for (int i = 0; i < p.bucketCounts().length; i++) {
      b.addBucketCounts(p.bucketCounts()[i]).addBucketSums(p.bucketSums()[i]);
    }
    return b.build();
  }
}
