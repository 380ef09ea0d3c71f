package dev.prism.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One report of a run: what rank 0 passed to {@link TrainContext#report}, numbered in the order
 * reports arrived (continuing across restarts and resumed runs).
 *
 * @param iteration the report's number, from 1
 * @param metrics the metrics (numbers and strings), in the order reported
 * @param checkpoint where the report's checkpoint was kept, or null
 * @param timestampMillis when it was reported (epoch milliseconds)
 */
public record TrainReport(
    int iteration, Map<String, Object> metrics, String checkpoint, long timestampMillis) {
  /**
   * Copies the metrics.
   *
   * @param iteration the number
   * @param metrics the metrics
   * @param checkpoint the checkpoint directory or null
   * @param timestampMillis the time
   */
  public TrainReport {
    metrics =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Objects.requireNonNull(metrics, "metrics")));
  }

  /**
   * A metric as a number.
   *
   * @param name the metric
   * @return its value, or NaN when absent or not a number
   */
  public double number(String name) {
    return metrics.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
