package dev.prism.runtime.metrics;

import dev.prism.runtime.rpc.MetricPoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The histograms reported to the node managers of this process, exported as classic Prometheus
 * histograms by a collector in the registry's Prometheus registry: one per registry, shared by the
 * node managers of the process (each series carries its node's {@code node_id}). A name is taken
 * only when nothing else in the registry exports it, with the boundaries of its first report.
 */
final class ReportedHistograms implements MultiCollector {

  private static final Map<PrometheusMeterRegistry, ReportedHistograms> BY_REGISTRY =
      new WeakHashMap<>();

  private final PrometheusMeterRegistry registry;
  private final Map<String, Family> families = new LinkedHashMap<>();

  /** Names found taken by other metrics of the registry. */
  private final java.util.Set<String> taken = new java.util.HashSet<>();

  private ReportedHistograms(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** The histograms of a registry, registering their collector on first use. */
  static ReportedHistograms of(PrometheusMeterRegistry registry) {
    synchronized (BY_REGISTRY) {
      return BY_REGISTRY.computeIfAbsent(
          registry,
          r -> {
            ReportedHistograms h = new ReportedHistograms(r);
            r.getPrometheusRegistry().register(h);
            return h;
          });
    }
  }

  synchronized boolean exports(String name) {
    return families.containsKey(name);
  }

  /**
   * Adds a report's observations of one series.
   *
   * @return null, or why the node does not export it
   */
  synchronized String add(Object owner, MetricPoint p, List<String> labelPairs) {
    Family f = families.get(p.getName());
    double[] bounds = new double[p.getBoundariesCount()];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] = p.getBoundaries(i);
    }
    if (f == null) {
      if (taken.contains(p.getName())
          || registry.getPrometheusRegistry().scrape(p.getName()::equals).size() > 0) {
        if (taken.size() < 1000) {
          taken.add(p.getName());
        }
        return "the node exports another metric of that name";
      }
      f = new Family(p.getDescription(), bounds);
      families.put(p.getName(), f);
    } else if (!Arrays.equals(f.bounds, bounds)) {
      return "the node exports it with the boundaries "
          + Arrays.toString(f.bounds)
          + ", this report has "
          + Arrays.toString(bounds);
    }
    if (p.getBucketCountsCount() != bounds.length + 1
        || p.getBucketSumsCount() != bounds.length + 1) {
      return "a report needs one count and one sum per bucket and one for +Inf";
    }
    Series s = f.series.get(labelPairs);
    if (s == null) {
      Labels labels;
      try {
        labels = Labels.of(labelPairs.toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
      s = new Series(owner, labels, bounds.length + 1);
      f.series.put(labelPairs, s);
    }
    for (int i = 0; i <= bounds.length; i++) {
      s.counts[i] += p.getBucketCounts(i);
      s.sum += p.getBucketSums(i);
    }
    return null;
  }

  /** Removes the series a node manager added (it stops). */
  synchronized void removeAll(Object owner) {
    for (Family f : families.values()) {
      f.series.values().removeIf(s -> s.owner == owner);
    }
    families.values().removeIf(f -> f.series.isEmpty());
  }

  @Override
  public synchronized MetricSnapshots collect() {
    List<MetricSnapshot> out = new ArrayList<>();
    families.forEach(
        (name, f) -> {
          HistogramSnapshot.Builder h = HistogramSnapshot.builder().name(name);
          if (!f.help.isEmpty()) {
            h.help(f.help);
          }
          double[] upper = Arrays.copyOf(f.bounds, f.bounds.length + 1);
          upper[f.bounds.length] = Double.POSITIVE_INFINITY;
          f.series.forEach(
              (labels, s) ->
                  h.dataPoint(
                      HistogramSnapshot.HistogramDataPointSnapshot.builder()
                          .labels(s.labels)
                          .classicHistogramBuckets(
                              ClassicHistogramBuckets.of(upper, s.counts.clone()))
                          .sum(s.sum)
                          .build()));
          out.add(h.build());
        });
    return new MetricSnapshots(out);
  }

  private static final class Family {
    final String help;
    final double[] bounds;
    final Map<List<String>, Series> series = new LinkedHashMap<>();

    Family(String help, double[] bounds) {
      this.help = help;
      this.bounds = bounds;
    }
  }

  private static final class Series {
    final Object owner;
    final Labels labels;
    final long[] counts;
    double sum;

    Series(Object owner, Labels labels, int buckets) {
      this.owner = owner;
      this.labels = labels;
      this.counts = new long[buckets];
    }
  }
}
