package dev.prism.train;

import dev.prism.ActorDiedException;
import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.Prism;
import dev.prism.PrismException;
import dev.prism.WaitResult;
import dev.prism.WorkerCrashedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training on a gang of workers: as Ray Train's {@code TorchTrainer}, for DJL. {@link
 * #fit()} reserves one placement-group bundle per worker, starts a {@link TrainWorker} actor in
 * each, forms their collective group, and runs the {@link TrainLoop} on every rank; rank 0's
 * reports come back to the driver (shown as progress, appended to the run's history, their
 * checkpoints kept and pruned, and passed to the {@link Builder#onReport} callback). When a worker
 * fails or dies, the whole group is torn down and started again from the latest checkpoint, up to
 * {@link FailureConfig#maxFailures()} times.
 *
 * <pre>{@code
 * Result r = DataParallelTrainer.builder(MyTraining::loop)
 *     .scalingConfig(ScalingConfig.builder().numWorkers(2).build())
 *     .runConfig(RunConfig.builder("digits").storagePath(dir).build())
 *     .dataset("train", Dataset.fromArrays(x, y))
 *     .config(Map.of("lr", 0.1, "epochs", 10))
 *     .build()
 *     .fit();
 * }</pre>
 */
public final class DataParallelTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DataParallelTrainer.class);

  private final TrainLoop loop;
  private final ScalingConfig scaling;
  private final RunConfig run;
  private final Map<String, Dataset> datasets;
  private final Map<String, Object> config;
  private final Duration placementTimeout;
  private final Duration collectiveTimeout;
  private final long seed;
  private final boolean progress;
  private final Consumer<TrainReport> onReport;
  private final boolean inThisProcess;

  private DataParallelTrainer(Builder b) {
    this.loop = b.loop;
    this.scaling = b.scaling;
    this.run = b.run;
    this.datasets = Collections.unmodifiableMap(new LinkedHashMap<>(b.datasets));
    this.config = Collections.unmodifiableMap(new LinkedHashMap<>(b.config));
    this.placementTimeout = b.placementTimeout;
    this.collectiveTimeout = b.collectiveTimeout;
    this.seed = b.seed;
    this.progress = b.progress;
    this.onReport = b.onReport;
    this.inThisProcess = b.inThisProcess;
  }

  /**
   * A builder for a trainer of {@code loop}.
   *
   * @param loop the per-worker training function
   * @return the builder
   */
  public static Builder builder(TrainLoop loop) {
    return new Builder(loop);
  }

  /**
   * Runs the training to its end (or until its restarts run out) and returns the result. A failed
   * run returns a result with its {@link Result#error()}; a run that cannot start (its workers
   * cannot be placed) throws.
   *
   * @return the result
   * @throws TrainingException if the workers cannot be placed
   * @throws RuntimeException what the {@link Builder#onReport} callback threw, once the workers are
   *     killed (the run is not restarted)
   */
  public Result fit() {
    Path dir = run.runDirectory();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the run directory " + dir, e);
    }
    RunState state = new RunState(dir, run.checkpointConfig(), progress, config);
    int restarts = 0;
    Throwable error = null;
    while (true) {
      try {
        attempt(state);
        error = null;
        break;
      } catch (AttemptFailed e) {
        error = e.getCause();
        int max = run.failureConfig().maxFailures();
        if (max != -1 && restarts >= max) {
          LOG.warn("run '{}' failed and has no restarts left: {}", run.name(), error.toString());
          break;
        }
        restarts++;
        LOG.warn(
            "run '{}' lost a worker ({}); restart {} from {}",
            run.name(),
            firstLine(error),
            restarts,
            state.latest().map(Path::toString).orElse("the beginning"));
      }
    }
    return state.result(error, restarts);
  }

  private void attempt(RunState state) throws AttemptFailed {
    if (inThisProcess) {
      attemptHere(state);
      return;
    }
    int n = scaling.numWorkers();
    List<Map<String, Double>> bundles = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      bundles.add(scaling.resourcesPerWorker());
    }
    PlacementGroup pg = PlacementGroups.create(bundles, scaling.placementStrategy());
    List<ActorHandle<TrainWorker>> actors = new ArrayList<>();
    try {
      awaitPlacement(pg);
      int threads =
          (int) Math.max(1, Math.round(scaling.resourcesPerWorker().getOrDefault("CPU", 1.0)));
      for (int i = 0; i < n; i++) {
        actors.add(
            Prism.actor(TrainWorker::new, threads)
                .setPlacementGroup(pg, i)
                .setResources(scaling.resourcesPerWorker())
                .setMaxConcurrency(2)
                .remote());
      }
      List<String> where;
      try {
        List<ObjectRef<String>> refs = new ArrayList<>();
        actors.forEach(a -> refs.add(a.task(TrainWorker::listen).remote()));
        where = Prism.get(refs, placementTimeout.plus(Duration.ofSeconds(60)));
      } catch (PrismException e) {
        throw new AttemptFailed(e);
      }
      // Ranks grouped by node (nodes in order of first appearance), so local ranks are contiguous.
      Map<String, List<Integer>> byNode = new LinkedHashMap<>();
      List<String> addressOf = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String[] parts = where.get(i).split(" ", 2);
        byNode.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(i);
        addressOf.add(parts[1]);
      }
      List<Integer> order = new ArrayList<>();
      byNode.values().forEach(order::addAll);
      List<String> addresses = order.stream().map(addressOf::get).toList();
      List<ObjectRef<Integer>> runs = new ArrayList<>();
      int rank = 0;
      int nodeRank = 0;
      for (List<Integer> onNode : byNode.values()) {
        for (int localRank = 0; localRank < onNode.size(); localRank++, rank++) {
          WorkerSpec spec =
              new WorkerSpec(
                  run.name(),
                  run.runDirectory().toString(),
                  rank,
                  n,
                  localRank,
                  onNode.size(),
                  nodeRank,
                  addresses,
                  collectiveTimeout.toMillis(),
                  loop,
                  config,
                  datasets,
                  state.latest().map(Path::toString).orElse(null),
                  state.reports(),
                  scaling.useGpu(),
                  seed);
          runs.add(actors.get(onNode.get(localRank)).task(TrainWorker::run, spec).remote());
        }
        nodeRank++;
      }
      ActorHandle<TrainWorker> rank0 = actors.get(order.getFirst());
      watch(runs, rank0, state);
    } finally {
      release(actors, pg);
    }
  }

  /**
   * The one rank runs in this process, on this thread: no placement group, no worker actor, its
   * reports go to the history and the callback as it makes them.
   */
  private void attemptHere(RunState state) throws AttemptFailed {
    int threads =
        (int) Math.max(1, Math.round(scaling.resourcesPerWorker().getOrDefault("CPU", 1.0)));
    TrainWorker here = new TrainWorker(threads);
    String address = here.listen().split(" ", 2)[1];
    WorkerSpec spec =
        new WorkerSpec(
            run.name(),
            run.runDirectory().toString(),
            0,
            1,
            0,
            1,
            0,
            List.of(address),
            collectiveTimeout.toMillis(),
            loop,
            config,
            datasets,
            state.latest().map(Path::toString).orElse(null),
            state.reports(),
            scaling.useGpu(),
            seed);
    try {
      here.runWith(
          spec,
          r -> {
            state.add(r);
            try {
              onReport.accept(r);
            } catch (RuntimeException e) {
              throw new CallbackFailed(e);
            }
          });
    } catch (CallbackFailed e) {
      throw (RuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AttemptFailed(e);
    } finally {
      here.closeEndpoint();
    }
  }

  /** The onReport callback threw, inside the training function: rethrown as it is by fit(). */
  private static final class CallbackFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallbackFailed(RuntimeException cause) {
      super(cause);
    }
  }

  /**
   * Kills the workers and removes their placement group, even when the calling thread was
   * interrupted (as ml-tune interrupts a trial it stops): its interrupt flag is cleared for the
   * clean-up, whose calls to the cluster it would otherwise fail, and set again afterwards.
   */
  private static void release(List<ActorHandle<TrainWorker>> actors, PlacementGroup pg) {
    boolean interrupted = Thread.interrupted();
    try {
      for (ActorHandle<TrainWorker> a : actors) {
        try {
          Prism.kill(a);
        } catch (PrismException e) {
          LOG.debug("killing a training worker: {}", e.toString());
        }
      }
      try {
        PlacementGroups.remove(pg);
      } catch (PrismException e) {
        LOG.debug("removing the training placement group: {}", e.toString());
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for every rank to finish, passing rank 0's reports on; throws at the first failure. */
  private void watch(List<ObjectRef<Integer>> runs, ActorHandle<TrainWorker> rank0, RunState state)
      throws AttemptFailed {
    while (true) {
      WaitResult<Integer> w = Prism.wait(runs, runs.size(), Duration.ofMillis(250));
      drain(rank0, state);
      Throwable failure = null;
      for (ObjectRef<Integer> r : w.ready()) {
        try {
          Prism.get(r, Duration.ofSeconds(10));
        } catch (PrismException e) {
          failure = failure == null ? e : failure;
        }
      }
      if (failure != null) {
        drain(rank0, state);
        throw new AttemptFailed(rootFailure(runs, failure));
      }
      if (w.unready().isEmpty()) {
        drain(rank0, state);
        return;
      }
    }
  }

  /**
   * The failure to report: when one rank dies, the others fail too (their collective calls break);
   * the death, or a rank's own exception, says more than those.
   */
  private static Throwable rootFailure(List<ObjectRef<Integer>> runs, Throwable first) {
    Prism.wait(runs, runs.size(), Duration.ofSeconds(3));
    Throwable best = first;
    for (ObjectRef<Integer> r : runs) {
      try {
        Prism.get(r, Duration.ofMillis(100));
      } catch (ActorDiedException | WorkerCrashedException e) {
        return e;
      } catch (PrismException e) {
        if (isCollective(best) && !isCollective(e)) {
          best = e;
        }
      }
    }
    return best;
  }

  private static boolean isCollective(Throwable t) {
    return String.valueOf(t.getMessage()).contains("CollectiveException");
  }

  /**
   * Takes rank 0's new reports into the run's state and passes each to the callback; what the
   * callback throws propagates (out of {@link #attempt}, whose clean-up kills the workers).
   */
  private void drain(ActorHandle<TrainWorker> rank0, RunState state) {
    List<TrainReport> got;
    try {
      got = Prism.get(rank0.task(TrainWorker::drain).remote(), Duration.ofSeconds(30));
    } catch (PrismException e) {
      LOG.debug("rank 0 did not hand over its reports: {}", e.toString());
      return;
    }
    for (TrainReport r : got) {
      state.add(r);
      onReport.accept(r);
    }
  }

  private void awaitPlacement(PlacementGroup pg) {
    long deadline = System.nanoTime() + placementTimeout.toNanos();
    while (!pg.waitUntilReady(Duration.ofMillis(500))) {
      String reason = pg.pendingReason();
      if (reason != null && reason.startsWith("infeasible") || System.nanoTime() > deadline) {
        throw new TrainingException(
            "cannot place "
                + scaling.numWorkers()
                + " training workers, each with "
                + scaling.resourcesPerWorker()
                + " ("
                + scaling.placementStrategy()
                + "): "
                + (reason == null || reason.isBlank()
                    ? "still pending after " + placementTimeout
                    : reason));
      }
    }
  }

  private static String firstLine(Throwable t) {
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** One attempt failed; its cause is why. */
  private static final class AttemptFailed extends Exception {
    private static final long serialVersionUID = 1L;

    AttemptFailed(Throwable cause) {
      super(cause);
    }
  }

  /** Builds a {@link DataParallelTrainer}. */
  public static final class Builder {
    private final TrainLoop loop;
    private ScalingConfig scaling = ScalingConfig.builder().build();
    private RunConfig run;
    private final Map<String, Dataset> datasets = new LinkedHashMap<>();
    private final Map<String, Object> config = new LinkedHashMap<>();
    private Duration placementTimeout = Duration.ofSeconds(60);
    private Duration collectiveTimeout = Duration.ofMinutes(30);
    private long seed = 42;
    private boolean progress = true;
    private boolean inThisProcess;
    private Consumer<TrainReport> onReport = r -> {};

    private Builder(TrainLoop loop) {
      this.loop = Objects.requireNonNull(loop, "loop");
    }

    /**
     * Sets how many workers and what each needs.
     *
     * @param scaling the scaling config
     * @return this builder
     */
    public Builder scalingConfig(ScalingConfig scaling) {
      this.scaling = Objects.requireNonNull(scaling, "scalingConfig");
      return this;
    }

    /**
     * Sets the run's name, storage, checkpoint and failure policies.
     *
     * @param run the run config
     * @return this builder
     */
    public Builder runConfig(RunConfig run) {
      this.run = Objects.requireNonNull(run, "runConfig");
      return this;
    }

    /**
     * Adds a data set, which each rank reads with {@link TrainContext#datasetShard}.
     *
     * @param name its name
     * @param dataset the data set
     * @return this builder
     */
    public Builder dataset(String name, Dataset dataset) {
      if (Objects.requireNonNull(name, "dataset name").isBlank()) {
        throw new IllegalArgumentException("a dataset name is blank");
      }
      if (dataset == null) {
        throw new IllegalArgumentException(
            "dataset '" + name + "' is null: give a Dataset (Dataset.fromArrays or Dataset.of)");
      }
      datasets.put(name, dataset);
      return this;
    }

    /**
     * Sets the config map every rank gets (numbers, strings, lists: serializable values).
     *
     * @param config the config
     * @return this builder
     */
    public Builder config(Map<String, ?> config) {
      this.config.putAll(Objects.requireNonNull(config, "config"));
      return this;
    }

    /**
     * Sets how long the workers may wait for resources before {@code fit()} gives up (60 s).
     *
     * @param timeout the limit
     * @return this builder
     */
    public Builder placementTimeout(Duration timeout) {
      this.placementTimeout = positive(timeout, "placementTimeout");
      return this;
    }

    /**
     * Sets the limit of each collective operation, so a rank that hangs fails the run instead of
     * hanging it (30 minutes, as large steps and checkpoints can take long).
     *
     * @param timeout the limit
     * @return this builder
     */
    public Builder collectiveTimeout(Duration timeout) {
      this.collectiveTimeout = positive(timeout, "collectiveTimeout");
      return this;
    }

    /**
     * Sets the seed of the per-epoch shuffles (42).
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Turns the driver's progress display on (default) or off.
     *
     * @param show whether to show progress
     * @return this builder
     */
    public Builder progress(boolean show) {
      this.progress = show;
      return this;
    }

    /**
     * Sets a callback the driver calls with each of rank 0's reports, in order, once it is in the
     * run's history: how a caller follows a run as it goes (ml-tune forwards each report to its
     * trial, so that a scheduler can stop the run). Reports reach the driver in batches about every
     * 250 ms, while the workers go on training. When the callback throws, {@link
     * DataParallelTrainer#fit()} kills the workers, removes their placement group and rethrows the
     * exception, without restarting the run (the reports after the one that threw are dropped).
     * Default: none.
     *
     * @param callback called on the driver's thread that runs {@code fit()}
     * @return this builder
     */
    public Builder onReport(Consumer<TrainReport> callback) {
      this.onReport = Objects.requireNonNull(callback, "onReport");
      return this;
    }

    /**
     * Runs the single worker in the process that calls {@link DataParallelTrainer#fit()}, on its
     * thread, instead of in a worker actor of its own: no placement group, no new JVM, reports
     * reach the history and the {@link #onReport} callback as they are made. For a caller that
     * already is a worker holding the resources, as an ml-tune trial is: a trial's runner keeps its
     * JVM (and the loaded PyTorch) from trial to trial. Needs {@code numWorkers == 1}; a failure
     * restarts the function in this process from the latest checkpoint, as the failure config
     * allows. Default: off.
     *
     * @param here true to run in this process
     * @return this builder
     */
    public Builder runInThisProcess(boolean here) {
      this.inThisProcess = here;
      return this;
    }

    /**
     * Builds the trainer.
     *
     * @return the trainer
     * @throws IllegalArgumentException if no run config was given
     */
    public DataParallelTrainer build() {
      if (run == null) {
        throw new IllegalArgumentException(
            "a trainer needs a RunConfig (name and storage path): call runConfig(...)");
      }
      if (inThisProcess && scaling.numWorkers() != 1) {
        throw new IllegalArgumentException(
            "runInThisProcess needs exactly 1 worker, the ScalingConfig asks for "
                + scaling.numWorkers());
      }
      return new DataParallelTrainer(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " is " + d + "; give a positive duration");
      }
      return d;
    }
  }

  /** For messages: what this trainer would place. */
  @Override
  public String toString() {
    return "DataParallelTrainer["
        + run.name()
        + ", "
        + scaling
        + ", datasets "
        + datasets.keySet()
        + "]";
  }
}
