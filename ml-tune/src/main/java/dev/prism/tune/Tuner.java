package dev.prism.tune;

import dev.prism.Prism;
import dev.prism.train.RunConfig;
import dev.prism.tune.schedulers.FifoScheduler;
import dev.prism.tune.search.Space;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Runs a hyperparameter sweep on the cluster, as Ray Tune's {@code Tuner}: trials of a {@link
 * Trainable} over a {@link Space}, as many at once as the {@link TuneConfig} and the cluster allow,
 * each on a runner actor with the trial's resources (runners are reused from trial to trial, as Ray
 * Tune reuses actors).
 *
 * <pre>{@code
 * ResultGrid grid =
 *     Tuner.builder((config, ctx) -> { ... ctx.report(Map.of("acc", acc)); ... })
 *         .space(Space.builder().add("lr", Domain.loguniform(1e-4, 1e-1)).build())
 *         .tuneConfig(TuneConfig.builder("acc", Mode.MAX).numSamples(20)
 *             .scheduler(AshaScheduler.builder().maxT(30).build()).build())
 *         .runConfig(RunConfig.builder("digits-sweep").build())
 *         .build()
 *         .fit();
 * }</pre>
 *
 * <p>Every result is appended to its trial's {@code result.json} (JSON lines) and {@code
 * progress.csv} under the run directory, and the experiment's state ({@code experiment_state.json}:
 * trials, their status, the searcher's and scheduler's state) is replaced atomically at most every
 * 250 ms, so {@link #restore} continues a sweep whose driver died: finished trials are not run
 * again, unfinished ones resume from their latest checkpoint.
 */
public final class Tuner {
  private final Trainable trainable;
  private final Space space;
  private final TuneConfig tuneConfig;
  private final RunConfig runConfig;
  private final Map<String, Double> resources;
  private final Map<String, Double> stop;
  private final int maxPendingResults;
  private final boolean progress;
  private final boolean restore;
  private final Duration stopGrace;

  private Tuner(Builder b, RunConfig restoreInto) {
    this.trainable = b.trainable;
    this.space = b.space;
    this.tuneConfig = Objects.requireNonNull(b.tuneConfig, "tuneConfig: set it on the builder");
    this.restore = restoreInto != null;
    this.runConfig =
        restoreInto != null
            ? restoreInto
            : b.runConfig != null
                ? b.runConfig
                : RunConfig.builder(
                        "tune-"
                            + LocalDateTime.now()
                                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss")))
                    .build();
    this.resources = Map.copyOf(b.resources);
    this.stop = Map.copyOf(b.stop);
    this.maxPendingResults = b.maxPendingResults;
    this.progress = b.progress;
    this.stopGrace = b.stopGrace;
  }

  /**
   * A builder for a sweep of a trainable.
   *
   * @param trainable what each trial runs
   * @return the builder
   */
  public static Builder builder(Trainable trainable) {
    return new Builder(trainable);
  }

  /**
   * Whether a directory holds a sweep {@link #restore} can continue.
   *
   * @param experimentDir the sweep's run directory (storage path / name)
   * @return true when its state file is there
   */
  public static boolean canRestore(Path experimentDir) {
    return Files.isRegularFile(experimentDir.resolve(Experiment.STATE));
  }

  /**
   * A tuner that continues the sweep saved in a directory. The builder must describe the same sweep
   * (the trainable, space, metric and mode, searcher and scheduler of the same kinds, whose state
   * is loaded into them); its run config's name and storage path are replaced by the directory's,
   * its checkpoint and failure settings are kept.
   *
   * @param experimentDir the sweep's run directory
   * @param sameSweep the sweep's settings
   * @return the tuner; {@link #fit} continues the sweep
   * @throws TuneException if the directory holds no sweep
   */
  public static Tuner restore(Path experimentDir, Builder sameSweep) {
    Path dir = experimentDir.toAbsolutePath().normalize();
    if (!canRestore(dir)) {
      throw new TuneException(
          "cannot restore a sweep from " + dir + ": it has no " + Experiment.STATE);
    }
    RunConfig given =
        sameSweep.runConfig != null
            ? sameSweep.runConfig
            : RunConfig.builder(dir.getFileName().toString()).build();
    return new Tuner(
        sameSweep,
        new RunConfig(
            dir.getFileName().toString(),
            dir.getParent(),
            given.checkpointConfig(),
            given.failureConfig()));
  }

  /**
   * Runs the sweep (or, after {@link #restore}, the rest of it) until every trial has ended or the
   * time budget is spent. Needs {@link Prism#init} first.
   *
   * @return the trials
   * @throws TuneException if the sweep cannot run: Prism not initialised, a directory that already
   *     holds a sweep (restore it, or choose another name), trials that fit no node
   */
  public ResultGrid fit() {
    if (!Prism.isInitialized()) {
      throw new TuneException("Prism is not initialised: call Prism.init() before Tuner.fit()");
    }
    if (!restore && canRestore(runConfig.runDirectory())) {
      throw new TuneException(
          "a sweep already exists in "
              + runConfig.runDirectory()
              + ": continue it with Tuner.restore, or give the RunConfig another name");
    }
    return new Experiment(this).run(restore);
  }

  Trainable trainable() {
    return trainable;
  }

  Space space() {
    return space;
  }

  TuneConfig tuneConfig() {
    return tuneConfig;
  }

  RunConfig runConfig() {
    return runConfig;
  }

  Map<String, Double> resources() {
    return resources;
  }

  Map<String, Double> stopCriteria() {
    return stop;
  }

  boolean fifo() {
    return tuneConfig.scheduler() instanceof FifoScheduler;
  }

  int maxPendingResults() {
    return maxPendingResults;
  }

  Duration stopGrace() {
    return stopGrace;
  }

  boolean showProgress() {
    return progress;
  }

  /** Builds a {@link Tuner}. */
  public static final class Builder {
    private final Trainable trainable;
    private Space space = Space.builder().build();
    private TuneConfig tuneConfig;
    private RunConfig runConfig;
    private Map<String, Double> resources = Map.of("CPU", 1.0);
    private final Map<String, Double> stop = new LinkedHashMap<>();
    private int maxPendingResults = 256;
    private boolean progress = true;
    private Duration stopGrace = Duration.ofSeconds(30);

    private Builder(Trainable trainable) {
      this.trainable = Objects.requireNonNull(trainable, "trainable");
    }

    /**
     * Sets the parameter space (default: empty, every trial gets an empty configuration).
     *
     * @param space the space
     * @return this
     */
    public Builder space(Space space) {
      this.space = Objects.requireNonNull(space, "space");
      return this;
    }

    /**
     * Sets what the sweep looks for and how (required).
     *
     * @param config the tune config
     * @return this
     */
    public Builder tuneConfig(TuneConfig config) {
      this.tuneConfig = Objects.requireNonNull(config, "tuneConfig");
      return this;
    }

    /**
     * Sets the run's name, storage path, checkpoint policy (per trial) and failure config (retries
     * per trial, from its latest checkpoint). Default: a timestamped name under {@code
     * ~/prism_results}, every checkpoint kept, no retries.
     *
     * @param config the run config
     * @return this
     */
    public Builder runConfig(RunConfig config) {
      this.runConfig = Objects.requireNonNull(config, "runConfig");
      return this;
    }

    /**
     * Sets each trial's resources (default one CPU), e.g. {@code {"CPU": 2, "GPU": 0.5}}.
     *
     * @param resources amounts by resource name, each >= 0
     * @return this
     * @throws IllegalArgumentException for a negative or non-finite amount
     */
    public Builder resourcesPerTrial(Map<String, Double> resources) {
      for (Map.Entry<String, Double> e : resources.entrySet()) {
        if (e.getValue() == null || !(e.getValue() >= 0) || e.getValue().isInfinite()) {
          throw new IllegalArgumentException(
              "resourcesPerTrial: " + e.getKey() + " must be a finite amount >= 0, got " + e);
        }
      }
      this.resources = Map.copyOf(resources);
      return this;
    }

    /**
     * Adds a stop criterion: a trial ends (as terminated) at the first result whose {@code metric}
     * is at least {@code value}, as Ray's dict of stop criteria, e.g. {@code
     * stop("training_iteration", 10)}.
     *
     * @param metric a reported metric
     * @param value the threshold
     * @return this
     * @throws IllegalArgumentException for a NaN threshold
     */
    public Builder stop(String metric, double value) {
      if (Double.isNaN(value)) {
        throw new IllegalArgumentException("stop: the threshold of " + metric + " is NaN");
      }
      stop.put(Objects.requireNonNull(metric, "metric"), value);
      return this;
    }

    /**
     * Sets how many results a trial may report ahead of the driver when nothing decides on each
     * result (FIFO scheduler, no stop criteria); default 256. With any other scheduler or a stop
     * criterion every report waits for the driver's decision, as in Ray.
     *
     * @param n at least 1
     * @return this
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Builder maxPendingResults(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxPendingResults must be >= 1, got " + n);
      }
      this.maxPendingResults = n;
      return this;
    }

    /**
     * Sets how long a stopped trial may take to end (its next {@code report} throws; its thread is
     * interrupted) before its runner is replaced by a new process; default 30 s.
     *
     * @param grace positive
     * @return this
     * @throws IllegalArgumentException if not positive
     */
    public Builder stopGracePeriod(Duration grace) {
      if (grace == null || grace.isNegative() || grace.isZero()) {
        throw new IllegalArgumentException("stopGracePeriod must be positive, got " + grace);
      }
      this.stopGrace = grace;
      return this;
    }

    /**
     * Whether to print the progress table (default true).
     *
     * @param show true to print it
     * @return this
     */
    public Builder progress(boolean show) {
      this.progress = show;
      return this;
    }

    /**
     * The tuner.
     *
     * @return the tuner
     * @throws NullPointerException if no tune config was set
     */
    public Tuner build() {
      return new Tuner(this, null);
    }
  }
}
