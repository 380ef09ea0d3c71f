package dev.prism.examples;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.train.CheckpointConfig;
import dev.prism.train.DataParallelTrainer;
import dev.prism.train.Dataset;
import dev.prism.train.Result;
import dev.prism.train.RunConfig;
import dev.prism.train.ScalingConfig;
import dev.prism.train.TrainReport;
import dev.prism.tune.Mode;
import dev.prism.tune.ResultGrid;
import dev.prism.tune.Trainable;
import dev.prism.tune.TrialResult;
import dev.prism.tune.TrialStatus;
import dev.prism.tune.TuneConfig;
import dev.prism.tune.Tuner;
import dev.prism.tune.schedulers.AshaScheduler;
import dev.prism.tune.schedulers.FifoScheduler;
import dev.prism.tune.schedulers.TrialScheduler;
import dev.prism.tune.search.Domain;
import dev.prism.tune.search.Space;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tunes the digits classifier's learning rate, hidden size and batch size, as a Ray user tunes a
 * {@code TorchTrainer}: each trial is a real ml-train run ({@link Digits#train} on a one-worker
 * {@link DataParallelTrainer} that runs in the trial's own runner process, so PyTorch is loaded
 * once per runner, not once per trial) whose epochs are forwarded to the trial as they come, so
 * that ASHA stops the poor ones early. Prints the progress table, the best configuration and its
 * accuracy, and the totals; writes the accuracy and loss charts and the grid as CSV: {@code ./prism
 * tune-digits [--samples N] [--epochs N] [--scheduler asha|fifo] [--storage DIR] [--seed N]}.
 */
public final class TuneDigits {
  /** The CPU of each trial: its runner trains the model itself. */
  static final double TRIAL_CPU = 1.0;

  private TuneDigits() {}

  /**
   * A sweep's settings.
   *
   * @param samples the number of trials
   * @param epochs each trial's epochs at most (ASHA's max t)
   * @param scheduler {@code asha} or {@code fifo}
   * @param storage where the sweep's directory goes
   * @param name the sweep's directory name
   * @param seed the seed of the searcher and the scheduler
   */
  record Options(int samples, int epochs, String scheduler, Path storage, String name, long seed) {}

  /**
   * What a sweep did.
   *
   * @param grid the trials
   * @param best the best trial by its last accuracy
   * @param iterations the epochs trained, over every trial (the sum of their histories' sizes)
   * @param stoppedEarly the trials that ended before their last epoch
   * @param wall the sweep's wall time
   * @param csv the grid as CSV
   * @param charts the accuracy and loss charts
   */
  record Sweep(
      ResultGrid grid,
      TrialResult best,
      long iterations,
      int stoppedEarly,
      Duration wall,
      Path csv,
      List<Path> charts) {

    /** One line of totals, e.g. for a benchmark's log. */
    String totals() {
      return String.format(
          Locale.ROOT,
          "%d trials, %d stopped early, %d training iterations (epochs), wall %.1f s",
          grid.size(),
          stoppedEarly,
          iterations,
          wall.toMillis() / 1000.0);
    }
  }

  /**
   * Runs the example.
   *
   * @param args {@code --samples N} (16), {@code --epochs N} (20), {@code --scheduler asha|fifo}
   *     (asha), {@code --storage DIR} (target/prism_results), {@code --seed N} (42)
   */
  public static void main(String[] args) {
    int samples = 16;
    int epochs = 20;
    String scheduler = "asha";
    Path storage = Path.of("target", "prism_results");
    long seed = 42;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--samples" -> samples = Integer.parseInt(args[i + 1]);
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        case "--scheduler" -> scheduler = args[i + 1];
        case "--storage" -> storage = Path.of(args[i + 1]);
        case "--seed" -> seed = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    scheduler(scheduler, epochs); // refuses an unknown name before the cluster starts
    String name = "tune-digits-" + scheduler + "-" + System.currentTimeMillis();
    Options options = new Options(samples, epochs, scheduler, storage, name, seed);
    // Logical CPUs: each running trial takes one; two run at once.
    int cpus = Math.max(2, Runtime.getRuntime().availableProcessors());
    Prism.init(PrismConfig.builder().numCpus(cpus).workerJvmOptions(List.of("-Xmx256m")).build());
    Sweep s;
    try {
      s = run(options, true);
    } finally {
      Prism.shutdown();
    }
    for (TrialResult e : s.grid().errors()) {
      System.err.println(e.trialId() + " failed: " + e.error().orElse(""));
    }
    System.out.printf(
        Locale.ROOT,
        "best: %s with test accuracy %.4f after %d epochs (%s)%n",
        s.best().config(),
        s.best().metric("accuracy"),
        s.best().history().size(),
        s.best().trialId());
    System.out.println(options.scheduler() + ": " + s.totals());
    System.out.println("grid " + s.csv() + "; charts " + s.charts());
    if (!s.grid().errors().isEmpty()) {
      System.exit(1);
    }
  }

  /**
   * The searched space: learning rate, hidden units and per-step batch size.
   *
   * @return the space
   */
  static Space space() {
    return Space.builder()
        .add("lr", Domain.loguniform(1e-3, 1e-1))
        .add("hidden", Domain.choice(32, 64, 128, 256))
        .add("batch", Domain.choice(16, 32, 64, 128))
        .build();
  }

  /**
   * The scheduler by name: ASHA with max t = epochs, grace period 2, reduction factor 3; or FIFO.
   *
   * @param name {@code asha} or {@code fifo}
   * @param epochs the epochs of a trial that is not stopped
   * @return the scheduler
   * @throws IllegalArgumentException for another name
   */
  static TrialScheduler scheduler(String name, int epochs) {
    return switch (name) {
      case "asha" -> AshaScheduler.builder().maxT(epochs).gracePeriod(2).reductionFactor(3).build();
      case "fifo" -> new FifoScheduler();
      default -> throw new IllegalArgumentException("--scheduler is asha or fifo, got " + name);
    };
  }

  /**
   * What each trial runs: {@link Digits#train} on one ml-train worker for the trial's
   * configuration, each epoch's test accuracy and loss reported to the trial as it arrives (when
   * the scheduler stops the trial, that report throws, which ends the training run).
   *
   * @param train the training set
   * @param test the test set
   * @param epochs the epochs of a trial that is not stopped
   * @return the trainable
   */
  static Trainable trial(Dataset train, Dataset test, int epochs) {
    return (config, ctx) -> {
      Map<String, Object> c = new LinkedHashMap<>(config);
      c.put("epochs", epochs);
      c.put("checkpointEvery", epochs);
      Result r =
          DataParallelTrainer.builder(Digits::train)
              .scalingConfig(ScalingConfig.builder().numWorkers(1).build())
              .runInThisProcess(true)
              .runConfig(
                  RunConfig.builder("train")
                      .storagePath(ctx.trialDir())
                      .checkpointConfig(CheckpointConfig.keepLatest(1))
                      .build())
              .dataset("train", train)
              .dataset("test", test)
              .config(c)
              .progress(false)
              .onReport(
                  (TrainReport rep) ->
                      ctx.report(
                          Map.of(
                              "accuracy", rep.number("accuracy"),
                              "loss", rep.number("loss"))))
              .build()
              .fit();
      if (r.error().isPresent()) {
        throw new IllegalStateException("training failed", r.error().get());
      }
    };
  }

  /**
   * Runs a sweep on the running cluster and writes its charts and CSV into its directory.
   *
   * @param o the settings
   * @param progress whether to print the progress table
   * @return what it did
   */
  static Sweep run(Options o, boolean progress) {
    Digits.Split data = Digits.load();
    long t0 = System.nanoTime();
    ResultGrid grid =
        Tuner.builder(trial(data.train(), data.test(), o.epochs()))
            .space(space())
            .tuneConfig(
                TuneConfig.builder("accuracy", Mode.MAX)
                    .numSamples(o.samples())
                    .maxConcurrentTrials(2)
                    .scheduler(scheduler(o.scheduler(), o.epochs()))
                    .seed(o.seed())
                    .build())
            .runConfig(RunConfig.builder(o.name()).storagePath(o.storage()).build())
            .resourcesPerTrial(Map.of("CPU", TRIAL_CPU))
            .progress(progress)
            .build()
            .fit();
    Duration wall = Duration.ofNanos(System.nanoTime() - t0);
    long iterations = grid.results().stream().mapToLong(t -> t.history().size()).sum();
    int stoppedEarly =
        (int)
            grid.results().stream()
                .filter(t -> t.status() != TrialStatus.ERROR && t.history().size() < o.epochs())
                .count();
    Path csv = grid.path().resolve("results.csv");
    grid.writeCsv(csv);
    List<Path> charts =
        List.of(grid.path().resolve("accuracy.png"), grid.path().resolve("loss.png"));
    grid.writeChart(charts.get(0), "accuracy");
    grid.writeChart(charts.get(1), "loss");
    return new Sweep(grid, grid.best(), iterations, stoppedEarly, wall, csv, charts);
  }
}
