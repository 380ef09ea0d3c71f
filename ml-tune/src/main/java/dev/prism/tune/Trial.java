package dev.prism.tune;

import dev.prism.ObjectRef;
import dev.prism.train.CheckpointStore;
import dev.prism.tune.internal.PollBatch;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The driver's view of one trial: its configuration, status, results so far and files ({@code
 * params.json}, {@code result.json} as JSON lines, {@code progress.csv}, {@code error.txt} and its
 * checkpoints, all in its directory).
 */
final class Trial {
  static final String PARAMS = "params.json";
  static final String RESULTS = "result.json";
  static final String CSV = "progress.csv";
  static final String ERROR = "error.txt";

  final String id;
  final Path dir;
  Map<String, Object> config;
  TrialStatus status = TrialStatus.PENDING;
  final List<Map<String, Object>> history = new ArrayList<>();
  int failures;
  String error = "";

  /** The checkpoint the next attempt resumes from ("" for a fresh start). */
  String resumeFrom = "";

  // While running.
  long attempt;
  Runner runner;
  ObjectRef<PollBatch> poll;
  long acked;

  private List<String> csvColumns;
  private BufferedWriter jsonOut;
  private BufferedWriter csvOut;

  Trial(String id, Path dir, Map<String, Object> config) {
    this.id = id;
    this.dir = dir;
    this.config = new LinkedHashMap<>(config);
  }

  /** Writes params.json: called when the trial is created and when its configuration changes. */
  void writeParams() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    Json.writeAtomically(dir.resolve(PARAMS), Json.write(config));
  }

  long iteration() {
    return history.isEmpty()
        ? 0
        : ((Number) history.getLast().get("training_iteration")).longValue();
  }

  Map<String, Object> lastResult() {
    return history.isEmpty() ? Map.of() : history.getLast();
  }

  double timeTotal() {
    Object t = lastResult().get("time_total_s");
    return t instanceof Number n ? n.doubleValue() : 0;
  }

  /**
   * Adds a result to the history, dropping those it supersedes (a trial resumed from an older
   * checkpoint reports those iterations again).
   */
  void addToHistory(Map<String, Object> r) {
    long it = ((Number) r.get("training_iteration")).longValue();
    while (!history.isEmpty()
        && ((Number) history.getLast().get("training_iteration")).longValue() >= it) {
      history.removeLast();
    }
    history.add(r);
  }

  /** Appends results to result.json and progress.csv. */
  void appendFiles(List<Map<String, Object>> results) {
    if (results.isEmpty()) {
      return;
    }
    StringBuilder json = new StringBuilder();
    StringBuilder csv = new StringBuilder();
    if (csvColumns == null) {
      csvColumns = Files.exists(dir.resolve(CSV)) ? readCsvHeader() : null;
      if (csvColumns == null) {
        csvColumns = List.copyOf(results.getFirst().keySet());
        csv.append(String.join(",", csvColumns.stream().map(Trial::csvCell).toList())).append('\n');
      }
    }
    for (Map<String, Object> r : results) {
      json.append(Json.write(r)).append('\n');
      List<String> cells = new ArrayList<>();
      for (String c : csvColumns) {
        Object v = r.get(c);
        cells.add(v == null ? "" : csvCell(String.valueOf(v)));
      }
      csv.append(String.join(",", cells)).append('\n');
    }
    try {
      if (jsonOut == null) {
        jsonOut = open(RESULTS);
        csvOut = open(CSV);
      }
      jsonOut.append(json);
      jsonOut.flush();
      csvOut.append(csv);
      csvOut.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the results of " + dir + ": " + e.getMessage(), e);
    }
  }

  private BufferedWriter open(String file) throws IOException {
    return Files.newBufferedWriter(
        dir.resolve(file),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** Closes the result files (kept open while the trial runs: one write per batch, no reopen). */
  void closeFiles() {
    try {
      if (jsonOut != null) {
        jsonOut.close();
      }
      if (csvOut != null) {
        csvOut.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot close the results of " + dir + ": " + e.getMessage(), e);
    } finally {
      jsonOut = null;
      csvOut = null;
    }
  }

  private List<String> readCsvHeader() {
    try (var lines = Files.lines(dir.resolve(CSV))) {
      return lines.findFirst().map(l -> List.of(l.split(",", -1))).orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private void append(String file, CharSequence text) {
    try (BufferedWriter w =
        Files.newBufferedWriter(
            dir.resolve(file),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      w.append(text);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write " + dir.resolve(file) + ": " + e.getMessage(), e);
    }
  }

  static String csvCell(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\""
        : s;
  }

  void writeError(String text) {
    append(ERROR, text + "\n");
  }

  /** Reads the history back from result.json (after a restore). */
  void loadHistory() {
    Path f = dir.resolve(RESULTS);
    if (!Files.exists(f)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          try {
            addToHistory(Json.readMap(line));
          } catch (RuntimeException torn) {
            // the last line of a driver killed mid-write: the iteration is reported again
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /** The trial's latest kept checkpoint. */
  Optional<Path> latestCheckpoint() {
    return CheckpointStore.latest(dir);
  }

  /**
   * The checkpoint a new attempt resumes from: the latest one whose result the driver has seen (a
   * runner may have kept a checkpoint whose report never reached a driver that died), or "".
   */
  String resumeCheckpoint() {
    long seen = iteration();
    String best = "";
    for (Path c : CheckpointStore.list(dir)) {
      if (checkpointIteration(c) <= seen) {
        best = c.toString();
      }
    }
    return best;
  }

  /** The iteration a kept checkpoint was taken at. */
  static long checkpointIteration(Path checkpoint) {
    String name = checkpoint.getFileName().toString();
    return Long.parseLong(name.substring(CheckpointStore.PREFIX.length()));
  }
}
