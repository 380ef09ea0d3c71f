package dev.prism.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link DataParallelTrainer#fit()} returns: as Ray Train's {@code Result}.
 *
 * @param metrics the last report's metrics (empty if nothing was reported)
 * @param history every report of the run, in order (including those of earlier attempts and of
 *     earlier {@code fit()} calls that this one resumed)
 * @param checkpoint the latest kept checkpoint
 * @param bestCheckpoints the kept checkpoints, best first by the checkpoint config's score (newest
 *     first without one)
 * @param path the run's directory
 * @param error why the run failed, if it did (after its restarts ran out)
 * @param restarts how many times the worker group was restarted
 */
public record Result(
    Map<String, Object> metrics,
    List<TrainReport> history,
    Optional<Checkpoint> checkpoint,
    List<Checkpoint> bestCheckpoints,
    Path path,
    Optional<Throwable> error,
    int restarts) {

  /**
   * Copies the collections.
   *
   * @param metrics the last metrics
   * @param history the reports
   * @param checkpoint the latest checkpoint
   * @param bestCheckpoints the kept checkpoints
   * @param path the run directory
   * @param error the failure
   * @param restarts the restarts
   */
  public Result {
    metrics =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Objects.requireNonNull(metrics, "metrics")));
    history = List.copyOf(history);
    bestCheckpoints = List.copyOf(bestCheckpoints);
  }

  /**
   * The metrics history as a CSV table: a header of every metric name (plus {@code iteration}), a
   * row per report.
   *
   * @return the table
   */
  public String historyCsv() {
    Set<String> columns = new LinkedHashSet<>();
    history.forEach(r -> columns.addAll(r.metrics().keySet()));
    StringBuilder b = new StringBuilder("iteration");
    columns.forEach(c -> b.append(',').append(c));
    b.append('\n');
    for (TrainReport r : history) {
      b.append(r.iteration());
      for (String c : columns) {
        Object v = r.metrics().get(c);
        b.append(',').append(v == null ? "" : v.toString().replace(',', ';'));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * One metric's values over the history, in order (NaN where a report lacks it).
   *
   * @param name the metric
   * @return its values
   */
  public List<Double> metric(String name) {
    List<Double> out = new ArrayList<>();
    history.forEach(r -> out.add(r.number(name)));
    return out;
  }
}
