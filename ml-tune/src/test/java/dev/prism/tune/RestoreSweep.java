package dev.prism.tune;

import dev.prism.Prism;
import dev.prism.train.Checkpoint;
import dev.prism.train.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The sweep the restore test runs: a driver process (this class's main) starts it and is killed
 * with SIGKILL midway; the test restores it. Every attempt of a trial appends a line to {@code
 * starts.log} saying where it started from.
 */
final class RestoreSweep {
  static final int ITERATIONS = 8;

  private RestoreSweep() {}

  static void trainable(Map<String, Object> config, TuneContext ctx) throws Exception {
    long from = ctx.iteration();
    double acc = 0;
    if (ctx.checkpoint().isPresent()) {
      acc = Double.parseDouble(Files.readString(ctx.checkpoint().get().file("acc")));
    }
    Files.writeString(
        ctx.trialDir().getParent().resolve("starts.log"),
        ctx.trialId() + " " + from + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    double rate = ((Number) config.get("rate")).doubleValue();
    for (long i = from; i < ITERATIONS; i++) {
      Thread.sleep(250);
      acc += rate;
      Checkpoint c = Checkpoint.create();
      Files.writeString(c.file("acc"), Double.toString(acc));
      ctx.report(Map.of("acc", acc), c);
    }
  }

  static Tuner.Builder builder(Path storage) {
    return Tuner.builder(RestoreSweep::trainable)
        .space(TuneTestSpaces.rates())
        .tuneConfig(
            TuneConfig.builder("acc", Mode.MAX).numSamples(5).maxConcurrentTrials(2).build())
        .runConfig(RunConfig.builder("restored").storagePath(storage).build())
        .progress(false);
  }

  /**
   * Runs the sweep as a driver of a running cluster.
   *
   * @param args the cluster's address and the storage path
   */
  public static void main(String[] args) throws IOException {
    Prism.init(args[0]);
    builder(Path.of(args[1])).build().fit();
    Prism.shutdown();
  }
}
