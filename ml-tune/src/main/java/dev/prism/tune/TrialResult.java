package dev.prism.tune;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One trial of a finished sweep.
 *
 * @param trialId the trial's id
 * @param config its (final) configuration
 * @param status how it ended
 * @param metrics its last result (empty when it reported none)
 * @param history every result, oldest first
 * @param checkpoint its latest kept checkpoint
 * @param error the error it ended with (the last one, when it was retried), else empty
 * @param path its directory
 */
public record TrialResult(
    String trialId,
    Map<String, Object> config,
    TrialStatus status,
    Map<String, Object> metrics,
    List<Map<String, Object>> history,
    Optional<Path> checkpoint,
    Optional<String> error,
    Path path) {

  /**
   * Copies the collections.
   *
   * @param trialId the id
   * @param config the configuration
   * @param status the status
   * @param metrics the last result
   * @param history the results
   * @param checkpoint the latest checkpoint
   * @param error the error
   * @param path the directory
   */
  public TrialResult {
    config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
    metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    history = List.copyOf(history);
  }

  /**
   * A metric of the last result as a number.
   *
   * @param name the metric
   * @return its value, or NaN when the last result lacks it
   */
  public double metric(String name) {
    return metrics.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /**
   * A metric's values over the iterations, NaN where a result lacks it.
   *
   * @param name the metric
   * @return one value per result
   */
  public List<Double> series(String name) {
    return history.stream()
        .map(r -> r.get(name) instanceof Number n ? n.doubleValue() : Double.NaN)
        .toList();
  }
}
