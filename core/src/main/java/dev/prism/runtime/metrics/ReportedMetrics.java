package dev.prism.runtime.metrics;

import dev.prism.runtime.rpc.MetricPoint;
import dev.prism.runtime.rpc.ReportMetricsReply;
import dev.prism.runtime.rpc.ReportMetricsRequest;
import dev.prism.runtime.spi.MetricRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The metrics that the drivers and workers of one node reported ({@code ReportMetrics}), exported
 * through the process's registry with the reporters' tags plus {@code node_id} (this node) and
 * {@code job_id} (the job the recording code ran in; empty outside jobs). Series of several
 * processes with the same tags add up (counters, histograms) or take the latest value (gauges).
 * Series stay until the node manager stops.
 *
 * <p>Counters and gauges are Micrometer meters. Histograms arrive as counts and sums per bucket,
 * which Micrometer cannot take (its summaries count whole numbers into buckets, so observations
 * under 1 such as latencies in seconds would land in the wrong one): they are kept as they come and
 * exported by a collector of the same Prometheus registry ({@link ReportedHistograms}), exact. The
 * registry is created at the first report: a node that no process reports to pays nothing; an
 * embedded cluster (no HTTP endpoint) keeps the values in the driver's registry, where no one
 * scrapes them.
 */
public final class ReportedMetrics implements AutoCloseable {

  private static final ThreadLocal<String> FAILURE = new ThreadLocal<>();
  private static final Set<MeterRegistry> LISTENING =
      java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());

  /** Names refused that are remembered (so they are refused at once); others are checked again. */
  private static final int MAX_REFUSED = 1000;

  private final String nodeId;
  private final Supplier<PrometheusMeterRegistry> registrySupplier;
  private final Map<List<String>, Object> meters = new HashMap<>();
  private final Map<String, String> refused = new HashMap<>();
  private PrometheusMeterRegistry registry;
  private ReportedHistograms histograms;
  private boolean closed;

  /**
   * Creates the reported metrics of a node, exported through the process's registry.
   *
   * @param nodeId the node's id, the {@code node_id} label
   */
  public ReportedMetrics(String nodeId) {
    this(nodeId, Metrics::registry);
  }

  ReportedMetrics(String nodeId, Supplier<PrometheusMeterRegistry> registry) {
    this.nodeId = nodeId;
    this.registrySupplier = registry;
  }

  /**
   * Adds a report.
   *
   * @param request what a process recorded since its last report
   * @return the metrics that could not be exported, with the reason
   */
  public synchronized ReportMetricsReply add(ReportMetricsRequest request) {
    ReportMetricsReply.Builder reply = ReportMetricsReply.newBuilder();
    if (closed) {
      return reply.build();
    }
    Set<String> refusedNow = new LinkedHashSet<>();
    for (MetricPoint p : request.getPointsList()) {
      String bad = check(p);
      if (bad != null) {
        refusedNow.add(p.getName() + ": " + bad);
        continue;
      }
      // a name that conflicts with what the registry exports stays refused
      String why = refused.get(p.getName());
      if (why == null) {
        why = add(p);
        // (histograms remember their own conflicts: other boundaries refuse a report, not the name)
        if (why != null
            && p.getKind() != MetricPoint.Kind.HISTOGRAM
            && refused.size() < MAX_REFUSED) {
          refused.put(p.getName(), why);
        }
      }
      if (why != null) {
        refusedNow.add(why);
      }
    }
    return reply.addAllRefused(refusedNow).build();
  }

  private String add(MetricPoint p) {
    List<String> key = new ArrayList<>(3 + 2 * p.getTagKeysCount());
    key.add(p.getKind().name());
    key.add(p.getName());
    key.add(p.getJobId());
    List<Tag> tags = new ArrayList<>();
    for (int i = 0; i < p.getTagKeysCount(); i++) {
      key.add(p.getTagKeys(i));
      key.add(p.getTagValues(i));
      tags.add(Tag.of(p.getTagKeys(i), p.getTagValues(i)));
    }
    if (p.getKind() == MetricPoint.Kind.HISTOGRAM) {
      registry();
      List<String> labels = new ArrayList<>(key.subList(3, key.size()));
      labels.addAll(List.of("node_id", nodeId, "job_id", p.getJobId()));
      String why = histograms.add(this, p, labels);
      return why == null ? null : p.getName() + ": " + why;
    }
    if (histograms != null && histograms.exports(p.getName())) {
      return p.getName() + ": the node exports a histogram of that name";
    }
    Object meter = meters.get(key);
    if (meter == null) {
      Tags all = Tags.of(tags).and("node_id", nodeId, "job_id", p.getJobId());
      String failure;
      try {
        meter = register(p, all);
        failure = FAILURE.get();
      } catch (IllegalArgumentException e) {
        failure = e.getMessage();
      } finally {
        FAILURE.remove();
      }
      if (failure != null) {
        return p.getName() + ": " + failure;
      }
      meters.put(key, meter);
    }
    switch (p.getKind()) {
      case COUNTER -> ((Counter) meter).increment(p.getValue());
      case GAUGE -> ((GaugeValue) meter).bits.set(Double.doubleToRawLongBits(p.getValue()));
      default -> {
        return p.getName() + ": unknown kind " + p.getKindValue();
      }
    }
    return null;
  }

  /** What is wrong with a point the API would not have sent; null when nothing. */
  private static String check(MetricPoint p) {
    MetricRegistry.Kind kind =
        switch (p.getKind()) {
          case COUNTER -> MetricRegistry.Kind.COUNTER;
          case GAUGE -> MetricRegistry.Kind.GAUGE;
          case HISTOGRAM -> MetricRegistry.Kind.HISTOGRAM;
          default -> null;
        };
    if (kind == null) {
      return "unknown kind " + p.getKindValue();
    }
    double[] bounds = new double[p.getBoundariesCount()];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] = p.getBoundaries(i);
    }
    try {
      MetricRegistry.check(kind, p.getName(), p.getTagKeysList(), bounds);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    if (p.getTagKeysCount() != p.getTagValuesCount()) {
      return p.getTagKeysCount() + " tag keys but " + p.getTagValuesCount() + " values";
    }
    double v = p.getValue();
    if (Double.isNaN(v)
        || (kind == MetricRegistry.Kind.COUNTER && !(v >= 0 && v < Double.MAX_VALUE))) {
      return "a counter's increase must be finite and not negative, and no value NaN: " + v;
    }
    if (kind == MetricRegistry.Kind.HISTOGRAM) {
      if (p.getBucketCountsCount() != bounds.length + 1
          || p.getBucketSumsCount() != bounds.length + 1) {
        return "a histogram report needs one count and one sum per bucket and one for +Inf";
      }
      for (int i = 0; i <= bounds.length; i++) {
        if (p.getBucketCounts(i) < 0 || !Double.isFinite(p.getBucketSums(i))) {
          return "bucket counts must not be negative, and sums finite";
        }
      }
    }
    return null;
  }

  private Object register(MetricPoint p, Tags tags) {
    MeterRegistry r = registry();
    String description = p.getDescription().isEmpty() ? null : p.getDescription();
    return switch (p.getKind()) {
      case COUNTER -> Counter.builder(p.getName()).description(description).tags(tags).register(r);
      case GAUGE -> {
        GaugeValue v = new GaugeValue();
        v.meter =
            Gauge.builder(p.getName(), v, g -> Double.longBitsToDouble(g.bits.get()))
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(r);
        yield v;
      }
      default -> throw new IllegalArgumentException("unknown kind " + p.getKind());
    };
  }

  private MeterRegistry registry() {
    if (registry == null) {
      registry = registrySupplier.get();
      histograms = ReportedHistograms.of(registry);
      synchronized (LISTENING) {
        if (LISTENING.add(registry)) {
          registry.config().onMeterRegistrationFailed((id, reason) -> FAILURE.set(reason));
        }
      }
    }
    return registry;
  }

  /** Removes this node's reported series from the registry. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    if (histograms != null) {
      histograms.removeAll(this);
    }
    for (Object m : meters.values()) {
      registry.remove(m instanceof GaugeValue g ? g.meter : (Meter) m);
    }
    meters.clear();
  }

  /** A gauge's latest value. */
  private static final class GaugeValue {
    final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
    Meter meter;
  }
}
