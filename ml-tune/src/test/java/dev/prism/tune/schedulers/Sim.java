package dev.prism.tune.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A deterministic fake tuner runtime: synthetic trials with known learning curves, results
 * interleaved round-robin under a concurrency limit, every scheduler decision honoured.
 */
final class Sim {
  /** A trial's training: the next model state from the config, the state and the iteration. */
  interface Model {
    double next(Map<String, Object> config, double state, long iteration);
  }

  /** A saturating curve: {@code a * (1 - exp(-t / tau))}, {@code a} from the config key "a". */
  static Model curve(double tau) {
    return (config, state, t) ->
        ((Number) config.get("a")).doubleValue() * (1 - Math.exp(-t / tau));
  }

  enum Status {
    WAITING,
    RUNNING,
    PAUSED,
    TERMINATED
  }

  record Checkpoint(long iteration, double state, Map<String, Object> config) {}

  /** An EXPLOIT as the runtime carried it out. */
  record Exploit(
      String trial,
      String donor,
      long donorIteration,
      List<String> topQuantile,
      Map<String, Object> donorConfig,
      Map<String, Object> newConfig) {}

  static final class Trial {
    final String id;
    Map<String, Object> config;
    long iteration;
    double state;
    Checkpoint checkpoint;
    Status status = Status.WAITING;
    long spent;
    Double lastMetric;
    boolean completed;
    boolean stoppedWhilePaused;
    final List<Long> pausedAt = new ArrayList<>();
    final List<Long> stoppedAt = new ArrayList<>();

    Trial(String id, Map<String, Object> config) {
      this.id = id;
      this.config = config;
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  TrialScheduler scheduler;
  final String metric;
  final Mode mode;
  final int concurrency;
  final long maxIter;
  final Model model;
  final double noise;
  final Random random;
  final Map<String, Trial> trials = new LinkedHashMap<>();
  final List<String> running = new ArrayList<>();
  final List<String> events = new ArrayList<>();
  final List<Exploit> exploits = new ArrayList<>();
  double pbtQuantile = 0.25;
  int results;
  private int swapAt = -1;
  private Function<JsonNode, TrialScheduler> restorer;

  Sim(
      TrialScheduler scheduler,
      Mode mode,
      int concurrency,
      long maxIter,
      Model model,
      double noise,
      long seed) {
    this.scheduler = scheduler;
    this.metric = "score";
    this.mode = mode;
    this.concurrency = concurrency;
    this.maxIter = maxIter;
    this.model = model;
    this.noise = noise;
    this.random = new Random(seed);
    scheduler.setup(metric, mode);
  }

  Sim add(String id, Map<String, Object> config) {
    trials.put(id, new Trial(id, new LinkedHashMap<>(config)));
    scheduler.onTrialAdd(id, config);
    return this;
  }

  /**
   * After {@code afterResults} results, saves the scheduler's state through JSON text and replaces
   * it.
   */
  Sim swapAfter(int afterResults, Function<JsonNode, TrialScheduler> restorer) {
    this.swapAt = afterResults;
    this.restorer = restorer;
    return this;
  }

  Sim run() {
    while (true) {
      fillSlots();
      if (running.isEmpty()) {
        List<String> waiting = waiting();
        if (!waiting.isEmpty()) {
          throw new AssertionError(
              "deadlock: nothing runs and the scheduler runs none of " + waiting);
        }
        return this;
      }
      for (String id : List.copyOf(running)) {
        if (trials.get(id).status == Status.RUNNING) {
          step(trials.get(id));
        }
      }
    }
  }

  long totalSpent() {
    return trials.values().stream().mapToLong(t -> t.spent).sum();
  }

  Trial trial(String id) {
    return trials.get(id);
  }

  private List<String> waiting() {
    List<String> out = new ArrayList<>();
    trials.values().stream()
        .filter(t -> t.status == Status.WAITING || t.status == Status.PAUSED)
        .forEach(t -> out.add(t.id));
    return out;
  }

  private void fillSlots() {
    while (running.size() < concurrency) {
      List<String> waiting = waiting();
      if (waiting.isEmpty()) {
        return;
      }
      var chosen = scheduler.chooseTrialToRun(waiting);
      pollStops();
      if (chosen.isEmpty()) {
        return;
      }
      Trial t = trials.get(chosen.get());
      if (!waiting.contains(t.id) || t.status == Status.TERMINATED) {
        throw new AssertionError("chose " + t.id + " which does not wait");
      }
      events.add(t.id + ":RUN");
      t.iteration = t.checkpoint == null ? 0 : t.checkpoint.iteration();
      t.state = t.checkpoint == null ? 0 : t.checkpoint.state();
      t.status = Status.RUNNING;
      running.add(t.id);
    }
  }

  private void step(Trial t) {
    t.iteration++;
    t.spent++;
    t.state = model.next(t.config, t.state, t.iteration);
    double value = t.state + noise * random.nextGaussian();
    t.lastMetric = value;
    t.checkpoint = new Checkpoint(t.iteration, t.state, Map.copyOf(t.config));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("training_iteration", t.iteration);
    result.put(metric, value);
    List<String> top = topQuantile();
    Decision d = scheduler.onTrialResult(t.id, result);
    results++;
    events.add(
        t.id
            + "@"
            + t.iteration
            + ":"
            + d.action()
            + d.exploit().map(e -> "<" + e.donorTrialId() + e.newConfig()).orElse(""));
    switch (d.action()) {
      case CONTINUE -> {
        if (t.iteration >= maxIter) {
          end(t);
          t.completed = true;
          scheduler.onTrialComplete(t.id, result);
        }
      }
      case STOP -> {
        t.stoppedAt.add(t.iteration);
        end(t);
      }
      case PAUSE -> {
        t.pausedAt.add(t.iteration);
        t.status = Status.PAUSED;
        running.remove(t.id);
      }
      case EXPLOIT -> {
        var e = d.exploit().orElseThrow();
        Trial donor = trials.get(e.donorTrialId());
        exploits.add(
            new Exploit(
                t.id,
                donor.id,
                donor.checkpoint.iteration(),
                top,
                Map.copyOf(donor.config),
                e.newConfig()));
        t.iteration = donor.checkpoint.iteration();
        t.state = donor.checkpoint.state();
        t.config = new LinkedHashMap<>(e.newConfig());
      }
    }
    pollStops();
    if (results == swapAt) {
      try {
        JsonNode saved = MAPPER.readTree(MAPPER.writeValueAsString(scheduler.saveState()));
        scheduler = restorer.apply(saved);
      } catch (java.io.IOException ex) {
        throw new AssertionError(ex);
      }
    }
  }

  /** The top quantile of live trials by latest metric, as PBT ranks them (before this result). */
  private List<String> topQuantile() {
    List<Trial> live =
        new ArrayList<>(
            trials.values().stream()
                .filter(x -> x.status != Status.TERMINATED && x.lastMetric != null)
                .toList());
    live.sort((a, b) -> Double.compare(mode.score(b.lastMetric), mode.score(a.lastMetric)));
    int k = Math.min((int) Math.ceil(live.size() * pbtQuantile), live.size() / 2);
    return live.subList(0, k).stream().map(x -> x.id).toList();
  }

  private void end(Trial t) {
    t.status = Status.TERMINATED;
    running.remove(t.id);
  }

  private void pollStops() {
    for (String id : scheduler.trialsToStop()) {
      Trial t = trials.get(id);
      if (t.status != Status.PAUSED && t.status != Status.WAITING) {
        throw new AssertionError("trialsToStop named " + id + " which is " + t.status);
      }
      events.add(id + ":STOPPED_WAITING");
      t.status = Status.TERMINATED;
      t.stoppedWhilePaused = true;
      scheduler.onTrialRemove(id);
    }
  }
}
