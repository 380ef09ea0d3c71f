package dev.prism.tune.schedulers;

import static dev.prism.tune.schedulers.SchedulerSupport.NODES;
import static dev.prism.tune.schedulers.SchedulerSupport.asDouble;
import static dev.prism.tune.schedulers.SchedulerSupport.decodeConfig;
import static dev.prism.tune.schedulers.SchedulerSupport.encodeConfig;
import static dev.prism.tune.schedulers.SchedulerSupport.number;
import static dev.prism.tune.schedulers.SchedulerSupport.require;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Population-based training, as Ray Tune's {@code PopulationBasedTraining} (asynchronous). When a
 * trial reports a result whose time attribute is at least {@code perturbationInterval} past its
 * last perturbation (and past the burn-in period), the live trials that have reported are ranked by
 * their latest score; if the trial is in the bottom {@code quantileFraction}, it exploits: the
 * decision is {@link Decision#exploit} with a donor drawn uniformly from the top {@code
 * quantileFraction} and a configuration explored from the donor's (see {@link Mutation}; each value
 * is drawn again with {@code resampleProbability}, otherwise multiplied by one of the {@code
 * perturbationFactors} or moved to a neighbouring choice; then {@code customExploreFn}). The
 * exploiting trial takes over the donor's last perturbation time. Every exploit is logged ({@link
 * #perturbations()}).
 *
 * <p>The tuner's part: on EXPLOIT, restart the trial at once from the donor's latest checkpoint
 * (copied, so the donor's own is untouched) with the new configuration, continuing the donor's
 * {@code training_iteration}. Trainables should checkpoint at least every perturbation interval
 * (best: with every result) so the copied state is the one the donor was ranked on.
 *
 * <p>Differences from Ray: trials are ranked by their latest score (Ray: the score each had at its
 * own last perturbation check) and a donor needs no checkpoint taken at its last check (the tuner
 * copies the latest one); a trial that is not exploited always continues (Ray pauses it when other
 * trials wait, to share slots); hyperparameters missing from a configuration are drawn when first
 * explored (Ray fills them when the trial is added); nested mutations and synchronous mode are not
 * offered. Numbers are drawn from a SplitMix64 generator whose state is saved, so a restored
 * scheduler makes the same decisions; {@code customExploreFn} and samplers are not saved and must
 * be passed again.
 */
public final class PopulationBasedTraining implements TrialScheduler {

  /**
   * One exploit.
   *
   * @param time the exploiting trial's time attribute when it exploited
   * @param trialId the exploiting trial
   * @param donorId the trial whose checkpoint it copied
   * @param oldConfig the exploiting trial's configuration before
   * @param donorConfig the donor's configuration
   * @param newConfig the configuration the trial restarted with
   */
  public record Perturbation(
      double time,
      String trialId,
      String donorId,
      Map<String, Object> oldConfig,
      Map<String, Object> donorConfig,
      Map<String, Object> newConfig) {
    /**
     * Copies the configurations.
     *
     * @param time the time
     * @param trialId the exploiting trial
     * @param donorId the donor
     * @param oldConfig its configuration before
     * @param donorConfig the donor's configuration
     * @param newConfig the new configuration
     */
    public Perturbation {
      oldConfig = frozen(oldConfig);
      donorConfig = frozen(donorConfig);
      newConfig = frozen(newConfig);
    }
  }

  private static Map<String, Object> frozen(Map<String, Object> config) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(config));
  }

  private static final class TrialState {
    Map<String, Object> config;
    double lastPerturbationTime;
    double lastTrainTime;
    Double lastScore;
    boolean finished;

    TrialState(Map<String, Object> config) {
      this.config = new LinkedHashMap<>(config);
    }
  }

  private final String timeAttr;
  private final double perturbationInterval;
  private final double burnInPeriod;
  private final Map<String, Mutation> mutations;
  private final double quantileFraction;
  private final double resampleProbability;
  private final List<Double> perturbationFactors;
  private final UnaryOperator<Map<String, Object>> customExploreFn;
  private final boolean requireAttrs;

  private String metric;
  private Mode mode;
  private SplitMix rng;
  private final Map<String, TrialState> trials = new LinkedHashMap<>();
  private final List<Perturbation> log = new ArrayList<>();

  private PopulationBasedTraining(Builder b) {
    this.timeAttr = b.timeAttr;
    this.perturbationInterval = b.perturbationInterval;
    this.burnInPeriod = b.burnInPeriod;
    this.mutations = Collections.unmodifiableMap(new LinkedHashMap<>(b.mutations));
    this.quantileFraction = b.quantileFraction;
    this.resampleProbability = b.resampleProbability;
    this.perturbationFactors = List.copyOf(b.perturbationFactors);
    this.customExploreFn = b.customExploreFn;
    this.requireAttrs = b.requireAttrs;
    this.rng = new SplitMix(b.seed);
  }

  /**
   * A builder: {@code training_iteration}, perturbation interval 10, no burn-in, quantile 0.25,
   * resample probability 0.25, factors 1.2 and 0.8, seed 0, attributes required. At least one
   * mutation or a custom explore function must be given.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Every exploit so far, in order.
   *
   * @return the log
   */
  public List<Perturbation> perturbations() {
    return List.copyOf(log);
  }

  /**
   * A trial's current configuration as this scheduler knows it (updated by exploits).
   *
   * @param trialId the trial
   * @return its configuration, or empty for an unknown trial
   */
  public Optional<Map<String, Object>> configOf(String trialId) {
    TrialState s = trials.get(trialId);
    return s == null ? Optional.empty() : Optional.of(frozen(s.config));
  }

  @Override
  public void setup(String metric, Mode mode) {
    this.metric = SchedulerSupport.requireName(metric, "metric");
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  @Override
  public void onTrialAdd(String trialId, Map<String, Object> config) {
    // A trial announced again (a restored sweep) keeps its state, exploited configuration included.
    trials.putIfAbsent(trialId, new TrialState(config));
  }

  @Override
  public Decision onTrialResult(String trialId, Map<String, Object> result) {
    SchedulerSupport.requireSetup(metric);
    Double time = number(result, timeAttr);
    Double value = number(result, metric);
    if (time == null || value == null) {
      if (requireAttrs) {
        String missing = time == null ? timeAttr : metric;
        throw new IllegalStateException(
            "PopulationBasedTraining: trial "
                + trialId
                + " reported a result without numeric '"
                + missing
                + "' (keys: "
                + result.keySet()
                + "); report it, or set requireAttrs(false) to ignore such results");
      }
      return Decision.CONTINUE;
    }
    TrialState state = trials.computeIfAbsent(trialId, k -> new TrialState(Map.of()));
    state.lastScore = mode.score(value);
    state.lastTrainTime = time;
    if (time < burnInPeriod || time - state.lastPerturbationTime < perturbationInterval) {
      return Decision.CONTINUE;
    }
    state.lastPerturbationTime = time;
    List<String> ranked = new ArrayList<>();
    trials.forEach(
        (id, s) -> {
          if (s.lastScore != null && !s.finished) {
            ranked.add(id);
          }
        });
    if (ranked.size() <= 1) {
      return Decision.CONTINUE;
    }
    ranked.sort(Comparator.comparingDouble(id -> rankScore(trials.get(id).lastScore)));
    int k = (int) Math.ceil(ranked.size() * quantileFraction);
    if (k > ranked.size() / 2) {
      k = ranked.size() / 2;
    }
    if (k == 0 || !ranked.subList(0, k).contains(trialId)) {
      return Decision.CONTINUE;
    }
    List<String> upper = ranked.subList(ranked.size() - k, ranked.size());
    String donorId = upper.get(rng.nextInt(upper.size()));
    TrialState donor = trials.get(donorId);
    Map<String, Object> newConfig = explore(donor.config);
    log.add(new Perturbation(time, trialId, donorId, state.config, donor.config, newConfig));
    state.config = new LinkedHashMap<>(newConfig);
    state.lastPerturbationTime = donor.lastPerturbationTime;
    state.lastTrainTime = donor.lastTrainTime;
    return Decision.exploit(donorId, newConfig);
  }

  private static double rankScore(double score) {
    return Double.isNaN(score) ? Double.NEGATIVE_INFINITY : score;
  }

  /** Ray's {@code _explore}: a configuration near the donor's. */
  private Map<String, Object> explore(Map<String, Object> config) {
    Map<String, Object> out = new LinkedHashMap<>(config);
    for (Map.Entry<String, Mutation> e : mutations.entrySet()) {
      String key = e.getKey();
      Object current = config.get(key);
      switch (e.getValue()) {
        case Mutation.Choice c -> {
          int idx = c.indexOf(current);
          if (rng.nextDouble() < resampleProbability || idx < 0) {
            out.put(key, c.values().get(rng.nextInt(c.values().size())));
          } else {
            int shifted = idx + (rng.nextDouble() < 0.5 ? -1 : 1);
            out.put(key, c.values().get(Math.clamp(shifted, 0, c.values().size() - 1)));
          }
        }
        case Mutation.Sample s -> {
          Object next;
          if (rng.nextDouble() < resampleProbability || !(current instanceof Number)) {
            next = s.sampler().sample(rng.asRandom());
          } else {
            double factor = perturbationFactors.get(rng.nextInt(perturbationFactors.size()));
            next = ((Number) current).doubleValue() * factor;
          }
          out.put(key, sameType(current, next));
        }
      }
    }
    if (customExploreFn != null) {
      Map<String, Object> custom = customExploreFn.apply(out);
      if (custom == null) {
        throw new IllegalStateException("customExploreFn returned null for " + out);
      }
      out = new LinkedHashMap<>(custom);
    }
    return out;
  }

  /** Integers stay integers (truncated, as Ray's {@code int()}), floats stay floats. */
  private static Object sameType(Object current, Object next) {
    if (!(next instanceof Number n)) {
      return next;
    }
    return switch (current) {
      case Integer i -> (int) n.doubleValue();
      case Long l ->
          n instanceof Long || n instanceof Integer ? n.longValue() : (long) n.doubleValue();
      case Short s -> (short) n.doubleValue();
      case Float f -> (float) n.doubleValue();
      case Double d -> n.doubleValue();
      case null, default -> next;
    };
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult) {
    onTrialRemove(trialId);
  }

  @Override
  public void onTrialRemove(String trialId) {
    TrialState s = trials.get(trialId);
    if (s != null) {
      s.finished = true;
    }
  }

  @Override
  public JsonNode saveState() {
    ObjectNode out = NODES.objectNode();
    out.put("rng", rng.state());
    ObjectNode ts = out.putObject("trials");
    trials.forEach(
        (id, s) -> {
          ObjectNode o = ts.putObject(id);
          o.set("config", encodeConfig(s.config));
          o.put("lastPerturbationTime", s.lastPerturbationTime);
          o.put("lastTrainTime", s.lastTrainTime);
          if (s.lastScore != null) {
            o.put("lastScore", s.lastScore);
          }
          o.put("finished", s.finished);
        });
    ArrayNode ps = out.putArray("perturbations");
    for (Perturbation p : log) {
      ObjectNode o = ps.addObject();
      o.put("time", p.time()).put("trial", p.trialId()).put("donor", p.donorId());
      o.set("oldConfig", encodeConfig(p.oldConfig()));
      o.set("donorConfig", encodeConfig(p.donorConfig()));
      o.set("newConfig", encodeConfig(p.newConfig()));
    }
    return out;
  }

  @Override
  public void restoreState(JsonNode state) {
    rng = new SplitMix(state.path("rng").asLong());
    trials.clear();
    state
        .path("trials")
        .properties()
        .forEach(
            e -> {
              JsonNode o = e.getValue();
              TrialState s = new TrialState(decodeConfig(o.path("config")));
              s.lastPerturbationTime = asDouble(o.path("lastPerturbationTime"));
              s.lastTrainTime = asDouble(o.path("lastTrainTime"));
              s.lastScore = o.has("lastScore") ? asDouble(o.get("lastScore")) : null;
              s.finished = o.path("finished").asBoolean();
              trials.put(e.getKey(), s);
            });
    log.clear();
    for (JsonNode o : state.path("perturbations")) {
      log.add(
          new Perturbation(
              asDouble(o.path("time")),
              o.path("trial").asText(),
              o.path("donor").asText(),
              decodeConfig(o.path("oldConfig")),
              decodeConfig(o.path("donorConfig")),
              decodeConfig(o.path("newConfig"))));
    }
  }

  /** The options of a {@link PopulationBasedTraining}. */
  public static final class Builder {
    private String timeAttr = "training_iteration";
    private double perturbationInterval = 10;
    private double burnInPeriod = 0;
    private final Map<String, Mutation> mutations = new LinkedHashMap<>();
    private double quantileFraction = 0.25;
    private double resampleProbability = 0.25;
    private List<Double> perturbationFactors = List.of(1.2, 0.8);
    private long seed;
    private UnaryOperator<Map<String, Object>> customExploreFn;
    private boolean requireAttrs = true;

    private Builder() {}

    /**
     * The result key that measures a trial's progress.
     *
     * @param timeAttr a non-blank key, {@code training_iteration} by default
     * @return this builder
     */
    public Builder timeAttr(String timeAttr) {
      this.timeAttr = SchedulerSupport.requireName(timeAttr, "timeAttr");
      return this;
    }

    /**
     * How much time passes between a trial's perturbation checks.
     *
     * @param perturbationInterval positive, 10 by default
     * @return this builder
     */
    public Builder perturbationInterval(double perturbationInterval) {
      require(
          perturbationInterval > 0 && Double.isFinite(perturbationInterval),
          "perturbationInterval",
          perturbationInterval,
          "must be positive");
      this.perturbationInterval = perturbationInterval;
      return this;
    }

    /**
     * The time before which no trial is perturbed.
     *
     * @param burnInPeriod zero or more, 0 by default
     * @return this builder
     */
    public Builder burnInPeriod(double burnInPeriod) {
      require(
          burnInPeriod >= 0 && Double.isFinite(burnInPeriod),
          "burnInPeriod",
          burnInPeriod,
          "must be zero or positive");
      this.burnInPeriod = burnInPeriod;
      return this;
    }

    /**
     * Adds the mutations of hyperparameters (replacing earlier ones of the same name).
     *
     * @param hyperparamMutations hyperparameter name to mutation
     * @return this builder
     */
    public Builder hyperparamMutations(Map<String, Mutation> hyperparamMutations) {
      hyperparamMutations.forEach(this::mutation);
      return this;
    }

    /**
     * Adds the mutation of one hyperparameter.
     *
     * @param name the configuration key
     * @param mutation how it is perturbed
     * @return this builder
     */
    public Builder mutation(String name, Mutation mutation) {
      SchedulerSupport.requireName(name, "hyperparamMutations key");
      require(mutation != null, "hyperparamMutations[" + name + "]", null, "must be a Mutation");
      mutations.put(name, mutation);
      return this;
    }

    /**
     * The fraction of the population that exploits (the bottom) and that donates (the top).
     *
     * @param quantileFraction from 0 to 0.5, 0.25 by default
     * @return this builder
     */
    public Builder quantileFraction(double quantileFraction) {
      require(
          quantileFraction >= 0 && quantileFraction <= 0.5,
          "quantileFraction",
          quantileFraction,
          "must be between 0 and 0.5");
      this.quantileFraction = quantileFraction;
      return this;
    }

    /**
     * The chance that an explored value is drawn again rather than perturbed.
     *
     * @param resampleProbability from 0 to 1, 0.25 by default
     * @return this builder
     */
    public Builder resampleProbability(double resampleProbability) {
      require(
          resampleProbability >= 0 && resampleProbability <= 1,
          "resampleProbability",
          resampleProbability,
          "must be between 0 and 1");
      this.resampleProbability = resampleProbability;
      return this;
    }

    /**
     * The factors a sampled numeric value is multiplied by, one drawn uniformly each time.
     *
     * @param perturbationFactors at least one finite factor, 1.2 and 0.8 by default
     * @return this builder
     */
    public Builder perturbationFactors(List<Double> perturbationFactors) {
      require(
          perturbationFactors != null
              && !perturbationFactors.isEmpty()
              && perturbationFactors.stream().allMatch(f -> f != null && Double.isFinite(f)),
          "perturbationFactors",
          perturbationFactors,
          "must be a non-empty list of finite numbers");
      this.perturbationFactors = List.copyOf(perturbationFactors);
      return this;
    }

    /**
     * The seed of the scheduler's random choices (donors, perturbations, resampling).
     *
     * @param seed any value, 0 by default
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * A function applied to every explored configuration (after the mutations).
     *
     * @param customExploreFn returns the configuration to use; null for none
     * @return this builder
     */
    public Builder customExploreFn(UnaryOperator<Map<String, Object>> customExploreFn) {
      this.customExploreFn = customExploreFn;
      return this;
    }

    /**
     * Whether a result without the time attribute or the metric is an error (true) or is ignored.
     *
     * @param requireAttrs true by default
     * @return this builder
     */
    public Builder requireAttrs(boolean requireAttrs) {
      this.requireAttrs = requireAttrs;
      return this;
    }

    /**
     * The scheduler.
     *
     * @return a new scheduler
     * @throws IllegalArgumentException when neither a mutation nor a custom explore function is set
     */
    public PopulationBasedTraining build() {
      require(
          !mutations.isEmpty() || customExploreFn != null,
          "hyperparamMutations",
          mutations,
          "must not be empty when no customExploreFn is given");
      return new PopulationBasedTraining(this);
    }
  }
}
