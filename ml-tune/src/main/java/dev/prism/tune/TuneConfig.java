package dev.prism.tune;

import dev.prism.tune.schedulers.FifoScheduler;
import dev.prism.tune.schedulers.TrialScheduler;
import dev.prism.tune.search.RandomSearch;
import dev.prism.tune.search.Searcher;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a sweep looks for and how: the metric and mode, how many samples, how many trials at once,
 * the searcher and the scheduler, and an optional time budget, as Ray Tune's {@code TuneConfig}.
 *
 * @param metric the metric to optimise (a key of the trials' reports)
 * @param mode whether larger or smaller is better
 * @param numSamples how many samples (the searcher turns them into trials: grid searches run each
 *     grid point this many times)
 * @param maxConcurrentTrials how many trials run at once at most (each on its own runner, a worker
 *     process with the trial's resources); fewer when the cluster has no room for more
 * @param searcher picks the configurations
 * @param scheduler stops, pauses or clones trials
 * @param timeBudget when set, no trial starts after it and running ones are stopped
 * @param seed the seed of the searcher and scheduler
 */
public record TuneConfig(
    String metric,
    Mode mode,
    int numSamples,
    int maxConcurrentTrials,
    Searcher searcher,
    TrialScheduler scheduler,
    Optional<Duration> timeBudget,
    long seed) {

  /**
   * Checks the settings.
   *
   * @param metric the metric
   * @param mode the mode
   * @param numSamples the samples, at least 1
   * @param maxConcurrentTrials at least 1
   * @param searcher the searcher
   * @param scheduler the scheduler
   * @param timeBudget positive when present
   * @param seed the seed
   * @throws IllegalArgumentException naming what is wrong
   */
  public TuneConfig {
    if (metric == null || metric.isBlank()) {
      throw new IllegalArgumentException("metric must name a reported metric, got " + metric);
    }
    Objects.requireNonNull(mode, "mode");
    if (numSamples < 1) {
      throw new IllegalArgumentException("numSamples must be >= 1, got " + numSamples);
    }
    if (maxConcurrentTrials < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentTrials must be >= 1, got " + maxConcurrentTrials);
    }
    Objects.requireNonNull(searcher, "searcher");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(timeBudget, "timeBudget");
    if (timeBudget.isPresent() && (timeBudget.get().isNegative() || timeBudget.get().isZero())) {
      throw new IllegalArgumentException("timeBudget must be positive, got " + timeBudget.get());
    }
  }

  /**
   * A builder.
   *
   * @param metric the metric to optimise
   * @param mode whether larger or smaller is better
   * @return a builder with Ray's defaults: 1 sample, random search, FIFO
   */
  public static Builder builder(String metric, Mode mode) {
    return new Builder(metric, mode);
  }

  /** Builds a {@link TuneConfig}. */
  public static final class Builder {
    private final String metric;
    private final Mode mode;
    private int numSamples = 1;
    private int maxConcurrentTrials = Math.max(1, Runtime.getRuntime().availableProcessors());
    private Supplier<Searcher> searcher = RandomSearch::new;
    private Supplier<TrialScheduler> scheduler = FifoScheduler::new;
    private Duration timeBudget;
    private long seed = 42;

    private Builder(String metric, Mode mode) {
      this.metric = metric;
      this.mode = mode;
    }

    /**
     * Sets the number of samples (default 1).
     *
     * @param n at least 1
     * @return this
     */
    public Builder numSamples(int n) {
      this.numSamples = n;
      return this;
    }

    /**
     * Sets how many trials run at once at most (default: the driver machine's processors).
     *
     * @param n at least 1
     * @return this
     */
    public Builder maxConcurrentTrials(int n) {
      this.maxConcurrentTrials = n;
      return this;
    }

    /**
     * Sets the searcher (default random search).
     *
     * @param s the searcher, used by this sweep only
     * @return this
     */
    public Builder searcher(Searcher s) {
      Objects.requireNonNull(s, "searcher");
      this.searcher = () -> s;
      return this;
    }

    /**
     * Sets the scheduler (default FIFO: every trial runs to its end).
     *
     * @param s the scheduler, used by this sweep only
     * @return this
     */
    public Builder scheduler(TrialScheduler s) {
      Objects.requireNonNull(s, "scheduler");
      this.scheduler = () -> s;
      return this;
    }

    /**
     * Sets a time budget for the whole sweep (default none).
     *
     * @param budget positive
     * @return this
     */
    public Builder timeBudget(Duration budget) {
      this.timeBudget = budget;
      return this;
    }

    /**
     * Sets the seed of the searcher and the scheduler (default 42).
     *
     * @param seed the seed
     * @return this
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The configuration.
     *
     * @return the checked configuration
     * @throws IllegalArgumentException naming what is wrong
     */
    public TuneConfig build() {
      return new TuneConfig(
          metric,
          mode,
          numSamples,
          maxConcurrentTrials,
          searcher.get(),
          scheduler.get(),
          Optional.ofNullable(timeBudget),
          seed);
    }
  }
}
