package dev.prism.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The checkpoint directories of a run: written atomically, found again, pruned by policy. The
 * trainer keeps its checkpoints with it, and so does ml-tune for each trial.
 */
public final class CheckpointStore {
  /** The name of every kept checkpoint directory starts with this, then a 6-digit iteration. */
  public static final String PREFIX = "checkpoint_";

  /** The file in a kept checkpoint with the metrics of the report that kept it. */
  public static final String METRICS = "metrics.json";

  private CheckpointStore() {}

  /**
   * Keeps a checkpoint: moves (or copies) its files to a temporary directory in the run's
   * directory, adds the report's metrics, then renames it to {@code checkpoint_NNNNNN}.
   *
   * @param runDir the run's directory
   * @param iteration the report's iteration (the directory's number)
   * @param checkpoint the checkpoint, whose directory is deleted once copied
   * @param metrics the report's metrics
   * @return the kept directory
   * @throws UncheckedIOException if it cannot be copied
   */
  public static Path persist(
      Path runDir, int iteration, Checkpoint checkpoint, Map<String, Object> metrics) {
    Path target = runDir.resolve(String.format("%s%06d", PREFIX, iteration));
    Path tmp = runDir.resolve(".tmp-" + UUID.randomUUID());
    try {
      Files.createDirectories(runDir);
      copyTree(checkpoint.path(), tmp);
      Files.writeString(tmp.resolve(METRICS), Json.write(metrics), StandardCharsets.UTF_8);
      if (Files.exists(target)) {
        deleteTree(target);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(checkpoint.path());
      return target;
    } catch (IOException e) {
      deleteTree(tmp);
      throw new UncheckedIOException(
          "cannot keep checkpoint " + checkpoint.path() + " as " + target + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * The run's kept checkpoints, oldest first.
   *
   * @param runDir the run's directory
   * @return the checkpoint directories
   */
  public static List<Path> list(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(runDir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(PREFIX))
          .filter(Files::isDirectory)
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + runDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The latest kept checkpoint, if any.
   *
   * @param runDir the run's directory
   * @return its directory
   */
  public static Optional<Path> latest(Path runDir) {
    List<Path> all = list(runDir);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
  }

  /**
   * Deletes the checkpoints the policy does not keep: with a score, all but the best {@code
   * numToKeep} by it; without, all but the newest {@code numToKeep}. The latest always stays.
   *
   * @param runDir the run's directory
   * @param config the policy
   * @return the kept ones, best (or newest) first
   */
  public static List<Path> prune(Path runDir, CheckpointConfig config) {
    List<Path> all = new ArrayList<>(list(runDir));
    if (all.isEmpty()) {
      return List.of();
    }
    Path latest = all.getLast();
    List<Path> ranked = rank(all, config);
    if (config.numToKeep() > 0) {
      for (Path p : ranked.subList(Math.min(config.numToKeep(), ranked.size()), ranked.size())) {
        if (!p.equals(latest)) {
          deleteTree(p);
        }
      }
      ranked = ranked.subList(0, Math.min(config.numToKeep(), ranked.size()));
    }
    return List.copyOf(ranked);
  }

  /** Checkpoints best first by the score (those without it last), or newest first. */
  static List<Path> rank(List<Path> all, CheckpointConfig config) {
    List<Path> ranked = new ArrayList<>(all);
    if (config.scoreAttribute().isEmpty()) {
      return ranked.reversed();
    }
    String attr = config.scoreAttribute().get();
    // Each checkpoint's metrics file is read once, not once per comparison.
    Map<Path, Double> keys = new java.util.HashMap<>();
    for (Path p : ranked) {
      double v = score(p, attr);
      keys.put(
          p,
          Double.isNaN(v)
              ? Double.POSITIVE_INFINITY
              : config.scoreOrder() == CheckpointConfig.Order.MAX ? -v : v);
    }
    ranked.sort(Comparator.comparingDouble(keys::get));
    return ranked;
  }

  static double score(Path checkpoint, String attribute) {
    try {
      Object v = Json.read(Files.readString(checkpoint.resolve(METRICS))).get(attribute);
      return v instanceof Number n ? n.doubleValue() : Double.NaN;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Copies a directory tree.
   *
   * @param from the source directory
   * @param to the target (created)
   * @throws IOException if a file cannot be copied
   */
  public static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectories(to.resolve(from.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.copy(file, to.resolve(from.relativize(file).toString()));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * Deletes a directory tree, if it exists.
   *
   * @param root the tree
   * @throws UncheckedIOException if a file cannot be deleted
   */
  public static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
    }
  }
}
