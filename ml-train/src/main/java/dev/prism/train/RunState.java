package dev.prism.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The driver's view of a run: its history (appended to {@code progress.jsonl} as reports arrive,
 * read back when a run resumes), its latest checkpoint, and the progress line.
 */
final class RunState {
  /** The run's history file, one JSON report per line. */
  static final String HISTORY = "progress.jsonl";

  private final Path dir;
  private final CheckpointConfig checkpoints;
  private final boolean show;
  private final Map<String, Object> config;
  private final List<TrainReport> history = new ArrayList<>();
  private final PrintStream out = System.out;
  private final boolean terminal = System.console() != null && System.console().isTerminal();
  private Path latest;

  RunState(Path dir, CheckpointConfig checkpoints, boolean show, Map<String, Object> config) {
    this.dir = dir;
    this.checkpoints = checkpoints;
    this.show = show;
    this.config = config;
    Path file = dir.resolve(HISTORY);
    if (Files.exists(file)) {
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            history.add(fromJson(Json.read(line)));
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalStateException(
            "cannot resume run from "
                + file
                + " ("
                + e.getMessage()
                + "); move it away to start anew",
            e);
      }
    }
    this.latest = CheckpointStore.latest(dir).orElse(null);
  }

  Optional<Path> latest() {
    return Optional.ofNullable(latest);
  }

  int reports() {
    return history.isEmpty() ? 0 : history.getLast().iteration();
  }

  void add(TrainReport r) {
    history.add(r);
    TrainMetrics.report(dir.getFileName().toString(), r);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("iteration", r.iteration());
    line.put("timestamp", r.timestampMillis());
    if (r.checkpoint() != null) {
      line.put("checkpoint", r.checkpoint());
    }
    line.put("metrics", r.metrics());
    try {
      Files.writeString(
          dir.resolve(HISTORY),
          Json.write(line) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the run's history in " + dir, e);
    }
    if (r.checkpoint() != null) {
      latest = Path.of(r.checkpoint());
      CheckpointStore.prune(dir, checkpoints);
    }
    if (show) {
      print(r);
    }
  }

  @SuppressWarnings("unchecked")
  private static TrainReport fromJson(Map<String, Object> m) {
    Object metrics = m.get("metrics");
    return new TrainReport(
        ((Number) m.get("iteration")).intValue(),
        metrics instanceof Map<?, ?> mm ? (Map<String, Object>) mm : Map.of(),
        (String) m.get("checkpoint"),
        ((Number) m.getOrDefault("timestamp", 0L)).longValue());
  }

  private void print(TrainReport r) {
    StringBuilder b = new StringBuilder();
    b.append('[').append(dir.getFileName()).append("] report ").append(r.iteration());
    if (r.metrics().get("epoch") instanceof Number e
        && config.get("epochs") instanceof Number total) {
      int done = e.intValue() + 1;
      int all = Math.max(1, total.intValue());
      int width = 20;
      int filled = Math.min(width, done * width / all);
      b.append(" | epoch ")
          .append(done)
          .append('/')
          .append(all)
          .append(" [")
          .append("#".repeat(filled))
          .append(".".repeat(width - filled))
          .append(']');
    }
    r.metrics()
        .forEach(
            (k, v) -> {
              if (!k.equals("epoch")) {
                b.append(" | ").append(k).append('=').append(format(v));
              }
            });
    if (r.checkpoint() != null) {
      b.append(" | checkpoint");
    }
    if (terminal) {
      out.print("\r\033[2K" + b);
      out.flush();
    } else {
      out.println(b);
    }
  }

  private static String format(Object v) {
    if (v instanceof Double || v instanceof Float) {
      return String.format(Locale.ROOT, "%.4f", ((Number) v).doubleValue());
    }
    return String.valueOf(v);
  }

  Result result(Throwable error, int restarts) {
    if (show && terminal) {
      out.println();
    }
    List<Path> kept = CheckpointStore.prune(dir, checkpoints);
    Result r =
        new Result(
            history.isEmpty() ? Map.of() : history.getLast().metrics(),
            history,
            latest().map(Checkpoint::new),
            kept.stream().map(Checkpoint::new).toList(),
            dir,
            Optional.ofNullable(error),
            restarts);
    try {
      Path tmp = dir.resolve(".progress.csv.tmp");
      Files.writeString(tmp, r.historyCsv(), StandardCharsets.UTF_8);
      Files.move(
          tmp,
          dir.resolve("progress.csv"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the run's progress.csv in " + dir, e);
    }
    return r;
  }
}
