package dev.prism.examples;

import dev.prism.Prism;
import dev.prism.train.Charts;
import dev.prism.train.CheckpointConfig;
import dev.prism.train.DataParallelTrainer;
import dev.prism.train.Result;
import dev.prism.train.RunConfig;
import dev.prism.train.ScalingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains the handwritten digits classifier on two workers of an embedded cluster, shows progress,
 * keeps checkpoints, and writes a chart of loss and accuracy per epoch: {@code ./prism train-digits
 * [--workers N] [--epochs N] [--storage DIR]}.
 */
public final class TrainDigits {
  private TrainDigits() {}

  /**
   * Runs the example.
   *
   * @param args {@code --workers N}, {@code --epochs N}, {@code --storage DIR}
   */
  public static void main(String[] args) {
    int workers = 2;
    int epochs = 30;
    Path storage = Path.of("target", "prism_results");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--workers" -> workers = Integer.parseInt(args[i + 1]);
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        case "--storage" -> storage = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Prism.init();
    try {
      Result r = run(workers, epochs, storage, "digits-" + System.currentTimeMillis(), true);
      if (r.error().isPresent()) {
        System.err.println("training failed: " + r.error().get());
        System.exit(1);
      }
      Path chart = r.path().resolve("training.png");
      Map<String, List<Double>> series = new LinkedHashMap<>();
      series.put("loss", r.metric("loss"));
      series.put("test accuracy", r.metric("accuracy"));
      Charts.lines(chart, "digits MLP, " + workers + " workers", series);
      System.out.printf(
          "test accuracy %.4f after %d epochs on %d workers; best checkpoint %s; chart %s%n",
          ((Number) r.metrics().get("accuracy")).doubleValue(),
          epochs,
          workers,
          r.bestCheckpoints().getFirst().path(),
          chart);
    } finally {
      Prism.shutdown();
    }
  }

  /**
   * Trains the classifier on the running cluster.
   *
   * @param workers the number of workers
   * @param epochs the number of epochs
   * @param storage the storage directory
   * @param name the run's name
   * @param progress whether to show progress
   * @return the result
   */
  static Result run(int workers, int epochs, Path storage, String name, boolean progress) {
    Digits.Split data = Digits.load();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("epochs", epochs);
    config.put("batch", 64 / workers);
    config.put("lr", 0.003);
    config.put("hidden", 128);
    config.put("checkpointEvery", 5);
    return DataParallelTrainer.builder(Digits::train)
        .scalingConfig(ScalingConfig.builder().numWorkers(workers).build())
        .runConfig(
            RunConfig.builder(name)
                .storagePath(storage)
                .checkpointConfig(
                    CheckpointConfig.keepBest(2, "accuracy", CheckpointConfig.Order.MAX))
                .build())
        .dataset("train", data.train())
        .dataset("test", data.test())
        .config(config)
        .progress(progress)
        .build()
        .fit();
  }
}
