package dev.prism.train;

import dev.prism.metrics.Counter;
import dev.prism.metrics.Gauge;
import java.util.Map;

/**
 * A run's progress as metrics (docs/metrics.md), recorded by the driver as rank 0's reports arrive
 * and exported by the driver's node: {@code prism_train_reports_total{run}}, {@code
 * prism_train_iteration{run}}, every numeric metric of the latest report as {@code
 * prism_train_metric{run,name}} (epoch, step, loss, accuracy: whatever the loop reports), and
 * {@code prism_train_samples_total{run}} from a report's {@code samples} (the samples processed
 * since the previous report), whose rate is the run's samples per second.
 */
final class TrainMetrics {

  private static final Counter REPORTS =
      Counter.builder("prism_train_reports_total")
          .description("reports the training loop's rank 0 made")
          .tagKeys("run")
          .build();
  private static final Gauge ITERATION =
      Gauge.builder("prism_train_iteration")
          .description("the number of the run's latest report")
          .tagKeys("run")
          .build();
  private static final Gauge METRIC =
      Gauge.builder("prism_train_metric")
          .description("a numeric metric of the run's latest report (epoch, step, loss, ...)")
          .tagKeys("run", "name")
          .build();
  private static final Counter SAMPLES =
      Counter.builder("prism_train_samples_total")
          .description("samples processed, as the reports' 'samples' metric counts them")
          .tagKeys("run")
          .build();

  /** Metrics of one report at most: a loop that reports many names keeps the first ones. */
  static final int MAX_METRICS = 32;

  private TrainMetrics() {}

  /**
   * Records a report of a run.
   *
   * @param run the run's name
   * @param report the report
   */
  static void report(String run, TrainReport report) {
    REPORTS.inc(run);
    ITERATION.set(report.iteration(), run);
    int n = 0;
    for (Map.Entry<String, Object> e : report.metrics().entrySet()) {
      if (e.getValue() instanceof Number v && Double.isFinite(v.doubleValue())) {
        if (n++ < MAX_METRICS) {
          METRIC.set(v.doubleValue(), run, e.getKey());
        }
        if (e.getKey().equals("samples") && v.doubleValue() >= 0) {
          SAMPLES.inc(v.doubleValue(), run);
        }
      }
    }
  }
}
