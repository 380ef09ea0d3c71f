package dev.prism.tune;

import dev.prism.train.Charts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;

/**
 * The trials of a sweep, as Ray Tune's {@code ResultGrid}: the best one by a metric, each one's
 * configuration, results, checkpoint and error, and exports as CSV, Arrow and PNG charts.
 */
public final class ResultGrid {

  /** Which of a trial's values {@link #best(String, Mode, Scope)} compares. */
  public enum Scope {
    /** The last result's value. */
    LAST,
    /** The mean of the last five results' values. */
    LAST_5_AVG,
    /** The mean of the last ten results' values. */
    LAST_10_AVG,
    /** The mean of all results' values. */
    AVG,
    /** The best value of all results. */
    ALL
  }

  private final Path path;
  private final String metric;
  private final Mode mode;
  private final List<TrialResult> results;

  private ResultGrid(Path path, String metric, Mode mode, List<TrialResult> results) {
    this.path = path;
    this.metric = metric;
    this.mode = mode;
    this.results = List.copyOf(results);
  }

  static ResultGrid of(Path path, String metric, Mode mode, List<Trial> trials) {
    List<TrialResult> rs = new ArrayList<>();
    for (Trial t : trials) {
      rs.add(
          new TrialResult(
              t.id,
              t.config,
              t.status,
              t.lastResult(),
              t.history,
              t.latestCheckpoint(),
              t.error.isEmpty() ? Optional.empty() : Optional.of(t.error),
              t.dir));
    }
    return new ResultGrid(path, metric, mode, rs);
  }

  /**
   * The experiment's directory.
   *
   * @return the directory
   */
  public Path path() {
    return path;
  }

  /**
   * Every trial, in creation order.
   *
   * @return the trials
   */
  public List<TrialResult> results() {
    return results;
  }

  /**
   * The number of trials.
   *
   * @return the count
   */
  public int size() {
    return results.size();
  }

  /**
   * The trials that ended with an error.
   *
   * @return those trials
   */
  public List<TrialResult> errors() {
    return results.stream().filter(r -> r.status() == TrialStatus.ERROR).toList();
  }

  /**
   * The best trial by the sweep's metric and mode, comparing last results.
   *
   * @return the best trial
   * @throws TuneException if no trial reported the metric
   */
  public TrialResult best() {
    return best(metric, mode, Scope.LAST);
  }

  /**
   * The best trial by a metric.
   *
   * @param metric the metric
   * @param mode larger or smaller is better
   * @param scope which values of each trial to compare
   * @return the best trial (errored trials included, as in Ray, when their values are best)
   * @throws TuneException if no trial reported the metric
   */
  public TrialResult best(String metric, Mode mode, Scope scope) {
    return results.stream()
        .filter(r -> !Double.isNaN(value(r, metric, mode, scope)))
        .max(Comparator.comparingDouble(r -> mode.score(value(r, metric, mode, scope))))
        .orElseThrow(
            () ->
                new TuneException("no trial of " + path + " reported the metric '" + metric + "'"));
  }

  private static double value(TrialResult r, String metric, Mode mode, Scope scope) {
    List<Double> s = r.series(metric).stream().filter(v -> !Double.isNaN(v)).toList();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    return switch (scope) {
      case LAST -> s.getLast();
      case LAST_5_AVG -> mean(s.subList(Math.max(0, s.size() - 5), s.size()));
      case LAST_10_AVG -> mean(s.subList(Math.max(0, s.size() - 10), s.size()));
      case AVG -> mean(s);
      case ALL ->
          s.stream().max(Comparator.comparingDouble(mode::score)).orElseThrow().doubleValue();
    };
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** The table's columns: id, status, config/..., then the last results' metrics. */
  private List<String> columns() {
    Set<String> config = new LinkedHashSet<>();
    Set<String> metrics = new LinkedHashSet<>();
    for (TrialResult r : results) {
      config.addAll(r.config().keySet());
      metrics.addAll(r.metrics().keySet());
    }
    List<String> cols = new ArrayList<>(List.of("trial_id", "status"));
    config.forEach(c -> cols.add("config/" + c));
    metrics.remove("trial_id");
    cols.addAll(metrics);
    return cols;
  }

  private static Object cell(TrialResult r, String column) {
    return switch (column) {
      case "trial_id" -> r.trialId();
      case "status" -> r.status().name();
      default ->
          column.startsWith("config/")
              ? r.config().get(column.substring("config/".length()))
              : r.metrics().get(column);
    };
  }

  /**
   * Writes one row per trial (id, status, configuration, last result) as CSV.
   *
   * @param file the file
   * @throws UncheckedIOException if it cannot be written
   */
  public void writeCsv(Path file) {
    List<String> cols = columns();
    StringBuilder b = new StringBuilder();
    b.append(String.join(",", cols.stream().map(Trial::csvCell).toList())).append('\n');
    for (TrialResult r : results) {
      List<String> cells = new ArrayList<>();
      for (String c : cols) {
        Object v = cell(r, c);
        cells.add(v == null ? "" : Trial.csvCell(String.valueOf(v)));
      }
      b.append(String.join(",", cells)).append('\n');
    }
    try {
      Files.writeString(file, b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the same table as an Arrow IPC file: numeric columns as float64, others as UTF-8.
   *
   * @param file the file
   * @throws UncheckedIOException if it cannot be written
   */
  public void writeArrow(Path file) {
    List<String> cols = columns();
    try (BufferAllocator alloc = new RootAllocator();
        OutputStream out = Files.newOutputStream(file)) {
      List<FieldVector> vectors = new ArrayList<>();
      for (String c : cols) {
        boolean numeric =
            results.stream().map(r -> cell(r, c)).allMatch(v -> v == null || v instanceof Number);
        FieldVector v = numeric ? new Float8Vector(c, alloc) : new VarCharVector(c, alloc);
        v.allocateNew();
        for (int i = 0; i < results.size(); i++) {
          Object x = cell(results.get(i), c);
          if (x == null) {
            v.setNull(i);
          } else if (v instanceof Float8Vector f) {
            f.setSafe(i, ((Number) x).doubleValue());
          } else {
            ((VarCharVector) v).setSafe(i, String.valueOf(x).getBytes(StandardCharsets.UTF_8));
          }
        }
        v.setValueCount(results.size());
        vectors.add(v);
      }
      try (VectorSchemaRoot root = new VectorSchemaRoot(vectors);
          ArrowFileWriter w = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
        root.setRowCount(results.size());
        w.start();
        w.writeBatch();
        w.end();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Draws a PNG line chart of a metric per iteration, one line per trial that reported it.
   *
   * @param png the file
   * @param metric the metric
   */
  public void writeChart(Path png, String metric) {
    Map<String, List<Double>> series = new LinkedHashMap<>();
    for (TrialResult r : results) {
      List<Double> s = r.series(metric);
      if (s.stream().anyMatch(v -> !Double.isNaN(v))) {
        series.put(r.trialId(), s);
      }
    }
    Charts.overlay(png, metric + " per iteration, " + series.size() + " trials", series);
  }
}
