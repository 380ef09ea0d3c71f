package dev.prism.tune.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A multivariate tree-structured Parzen estimator, after Optuna's {@code TPESampler} (version 5,
 * whose default is multivariate for one objective). Until {@code nStartupTrials} trials have
 * completed it samples at random; then it splits the completed trials into the {@code gamma(n)}
 * best and the rest, fits a mixture of product kernels (one per trial plus a prior) to each, draws
 * {@code nEiCandidates} points from the good mixture and suggests the one with the largest ratio of
 * good to bad density. Log domains are modelled in log space, quantized and integer domains as
 * stepped kernels, choices with a categorical kernel; a normal domain is modelled on its mean ± 3
 * sd; constants and computed entries are resolved as usual. Grids are refused (as Ray's searchers
 * other than the random one). Each trial's last value of the metric is what counts: trials that
 * failed or never reported it are ignored; trials still running count among the bad ones while
 * {@code constantLiar} is on (Optuna 5's default), so that concurrent suggestions spread out.
 */
public final class TpeSearch implements Searcher {
  private static final String TYPE = "tpe";
  private final Options options;
  private final List<Map<String, Object>> pointsToEvaluate;
  private Space space;
  private String metric;
  private Mode mode;
  private long seed;
  private List<TpeDimension> dims = List.of();
  private long suggested;
  private final List<Observation> observations = new ArrayList<>();
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  /**
   * The TPE's options.
   *
   * @param nStartupTrials completed trials sampled at random before the TPE starts
   * @param nEiCandidates candidates drawn for each suggestion
   * @param gamma the number of "good" trials among {@code n} completed ones
   * @param weights the weights of {@code n} trials, oldest first
   * @param priorWeight the weight of the prior kernel
   * @param considerEndpoints whether the bounds count as neighbours for the kernel widths of the
   *     outermost observations
   * @param considerMagicClip whether kernel widths are kept above range / min(100, 1 + kernels)
   * @param constantLiar whether running trials count among the bad ones
   * @param pointsToEvaluate configurations suggested first, in order (partial ones completed at
   *     random)
   */
  public record Options(
      int nStartupTrials,
      int nEiCandidates,
      IntUnaryOperator gamma,
      IntFunction<double[]> weights,
      double priorWeight,
      boolean considerEndpoints,
      boolean considerMagicClip,
      boolean constantLiar,
      List<Map<String, Object>> pointsToEvaluate) {}

  /** A TPE search with Optuna's default options. */
  public TpeSearch() {
    this(builder().options());
  }

  private TpeSearch(Options options) {
    this.options = options;
    this.pointsToEvaluate = new ArrayList<>(options.pointsToEvaluate());
  }

  /**
   * A builder with Optuna's defaults.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The options.
   *
   * @return the options
   */
  public Options options() {
    return options;
  }

  /**
   * Optuna's default gamma: {@code min(ceil(0.1 n), 25)}.
   *
   * @param n the number of completed trials
   * @return the number of good ones
   */
  public static int defaultGamma(int n) {
    return Math.min((int) Math.ceil(0.1 * n), 25);
  }

  /**
   * Optuna's default weights: 1 for each of the latest 25 trials, a ramp from {@code 1/n} to 1 for
   * the older ones.
   *
   * @param n the number of trials
   * @return their weights, oldest first
   */
  public static double[] defaultWeights(int n) {
    double[] w = new double[n];
    Arrays.fill(w, 1.0);
    if (n >= 25) {
      int ramp = n - 25;
      for (int i = 0; i < ramp; i++) {
        w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
      }
    }
    return w;
  }

  @Override
  public void setup(Space space, String metric, Mode mode, long seed) {
    List<Map<String, Object>> checked = SearchSupport.checkPoints(pointsToEvaluate, space);
    List<TpeDimension> d = new ArrayList<>();
    for (Space.Entry e : space.entries()) {
      if (e instanceof Space.Sampled(String name, Domain domain)) {
        d.add(TpeDimension.of(name, domain));
      }
    }
    pointsToEvaluate.clear();
    pointsToEvaluate.addAll(checked);
    this.space = space;
    this.metric = metric;
    this.mode = mode;
    this.seed = seed;
    this.dims = List.copyOf(d);
    this.suggested = 0;
    observations.clear();
    pending.clear();
  }

  @Override
  public Optional<Map<String, Object>> suggest(String trialId) {
    SearchSupport.checkSetup(space, "TpeSearch");
    long index = suggested++;
    Random rnd = SearchSupport.random(seed, index);
    Map<String, Object> config;
    if (index < pointsToEvaluate.size()) {
      config = space.sample(rnd, pointsToEvaluate.get((int) index));
    } else if (observations.size() < options.nStartupTrials() || dims.isEmpty()) {
      config = space.sample(rnd, Map.of());
    } else {
      config = space.sample(rnd, tpePoint(rnd));
    }
    pending.put(trialId, new Pending(index, coordinates(config)));
    return Optional.of(config);
  }

  private Map<String, Object> tpePoint(Random rnd) {
    List<Observation> sorted = new ArrayList<>(observations);
    sorted.sort(
        Comparator.comparingDouble((Observation o) -> -o.score())
            .thenComparingLong(Observation::order));
    int nBelow = Math.min(Math.max(options.gamma().applyAsInt(sorted.size()), 0), sorted.size());
    List<Observation> below = new ArrayList<>(sorted.subList(0, nBelow));
    List<Observation> above = new ArrayList<>(sorted.subList(nBelow, sorted.size()));
    if (options.constantLiar()) {
      for (Pending p : pending.values()) {
        if (p.x() != null) {
          above.add(new Observation(p.order(), p.x(), Double.NEGATIVE_INFINITY));
        }
      }
    }
    below.sort(Comparator.comparingLong(Observation::order));
    above.sort(Comparator.comparingLong(Observation::order));
    ParzenEstimator good = estimator(below);
    ParzenEstimator bad = estimator(above);
    double[][] candidates = good.sample(rnd, options.nEiCandidates());
    double[] best = candidates[0];
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double[] c : candidates) {
      double s = good.logPdf(c) - bad.logPdf(c);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    Map<String, Object> fixed = new LinkedHashMap<>();
    for (int j = 0; j < dims.size(); j++) {
      fixed.put(dims.get(j).name(), dims.get(j).toValue(best[j]));
    }
    return fixed;
  }

  private ParzenEstimator estimator(List<Observation> obs) {
    double[][] x = new double[obs.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = obs.get(i).x();
    }
    double[] w = options.weights().apply(obs.size());
    if (w.length < obs.size()) {
      throw new IllegalStateException(
          "the weights function returned " + w.length + " weights for " + obs.size() + " trials");
    }
    return new ParzenEstimator(dims, x, w, options);
  }

  /** The coordinates of a configuration, or null when the TPE cannot model one of its values. */
  private double[] coordinates(Map<String, Object> config) {
    double[] x = new double[dims.size()];
    for (int j = 0; j < x.length; j++) {
      x[j] = dims.get(j).toCoordinate(config.get(dims.get(j).name()));
      if (Double.isNaN(x[j])) {
        return null;
      }
    }
    return x;
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult, boolean error) {
    Pending p = pending.remove(trialId);
    if (p == null || error || p.x() == null) {
      return;
    }
    if (lastResult.get(metric) instanceof Number n && Double.isFinite(n.doubleValue())) {
      observations.add(new Observation(p.order(), p.x(), mode.score(n.doubleValue())));
    }
  }

  @Override
  public JsonNode saveState() {
    ObjectNode s = SearchSupport.counterState(TYPE, seed, suggested);
    ArrayNode obs = s.putArray("observations");
    for (Observation o : observations) {
      ObjectNode n = obs.addObject();
      n.put("order", o.order());
      n.put("score", o.score());
      ArrayNode x = n.putArray("x");
      Arrays.stream(o.x()).forEach(x::add);
    }
    ObjectNode pend = s.putObject("pending");
    pending.forEach(
        (id, p) -> {
          ObjectNode n = pend.putObject(id);
          n.put("order", p.order());
          if (p.x() != null) {
            ArrayNode x = n.putArray("x");
            Arrays.stream(p.x()).forEach(x::add);
          }
        });
    return s;
  }

  @Override
  public void restoreState(JsonNode state) {
    SearchSupport.checkSetup(space, "TpeSearch");
    SearchSupport.checkState(state, TYPE);
    seed = state.path("seed").asLong();
    suggested = state.path("suggested").asLong();
    observations.clear();
    for (JsonNode n : state.path("observations")) {
      observations.add(
          new Observation(
              n.path("order").asLong(), vector(n.get("x")), n.path("score").asDouble()));
    }
    pending.clear();
    state
        .path("pending")
        .properties()
        .forEach(
            e ->
                pending.put(
                    e.getKey(),
                    new Pending(
                        e.getValue().path("order").asLong(), vector(e.getValue().get("x")))));
  }

  private double[] vector(JsonNode array) {
    if (array == null || array.isNull()) {
      return null;
    }
    if (array.size() != dims.size()) {
      throw new IllegalArgumentException(
          "saved TPE state has " + array.size() + " coordinates, the space " + dims.size());
    }
    double[] x = new double[array.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = array.get(i).asDouble();
    }
    return x;
  }

  /** A completed trial: its position among the suggestions, coordinates and score. */
  private static final class Observation {
    private final long order;
    private final double[] x;
    private final double score;

    Observation(long order, double[] x, double score) {
      this.order = order;
      this.x = x;
      this.score = score;
    }

    long order() {
      return order;
    }

    double[] x() {
      return x;
    }

    double score() {
      return score;
    }
  }

  /** A suggested trial still running: its position and coordinates (null: not modelled). */
  private static final class Pending {
    private final long order;
    private final double[] x;

    Pending(long order, double[] x) {
      this.order = order;
      this.x = x;
    }

    long order() {
      return order;
    }

    double[] x() {
      return x;
    }
  }

  /** Builds a {@link TpeSearch}; every option defaults to Optuna 5's. */
  public static final class Builder {
    private int nStartupTrials = 10;
    private int nEiCandidates = 24;
    private IntUnaryOperator gamma = TpeSearch::defaultGamma;
    private IntFunction<double[]> weights = TpeSearch::defaultWeights;
    private double priorWeight = 1.0;
    private boolean considerEndpoints;
    private boolean considerMagicClip = true;
    private boolean constantLiar = true;
    private List<Map<String, Object>> pointsToEvaluate = List.of();

    private Builder() {}

    /**
     * Completed trials sampled at random before the TPE starts (10).
     *
     * @param n at least 0
     * @return this
     */
    public Builder nStartupTrials(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("nStartupTrials must be at least 0, got " + n);
      }
      nStartupTrials = n;
      return this;
    }

    /**
     * Candidates drawn for each suggestion (24).
     *
     * @param n at least 1
     * @return this
     */
    public Builder nEiCandidates(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("nEiCandidates must be at least 1, got " + n);
      }
      nEiCandidates = n;
      return this;
    }

    /**
     * The number of good trials among {@code n} ({@link #defaultGamma}).
     *
     * @param gamma the function
     * @return this
     */
    public Builder gamma(IntUnaryOperator gamma) {
      this.gamma = java.util.Objects.requireNonNull(gamma, "gamma");
      return this;
    }

    /**
     * The weights of {@code n} trials, oldest first ({@link #defaultWeights}).
     *
     * @param weights the function
     * @return this
     */
    public Builder weights(IntFunction<double[]> weights) {
      this.weights = java.util.Objects.requireNonNull(weights, "weights");
      return this;
    }

    /**
     * The weight of the prior kernel (1.0).
     *
     * @param w positive
     * @return this
     */
    public Builder priorWeight(double w) {
      if (!(w > 0) || !Double.isFinite(w)) {
        throw new IllegalArgumentException("priorWeight must be positive and finite, got " + w);
      }
      priorWeight = w;
      return this;
    }

    /**
     * Whether the bounds count as neighbours of the outermost observations (false).
     *
     * @param on the flag
     * @return this
     */
    public Builder considerEndpoints(boolean on) {
      considerEndpoints = on;
      return this;
    }

    /**
     * Whether kernel widths have Optuna's lower clip (true).
     *
     * @param on the flag
     * @return this
     */
    public Builder considerMagicClip(boolean on) {
      considerMagicClip = on;
      return this;
    }

    /**
     * Whether running trials count among the bad ones (true).
     *
     * @param on the flag
     * @return this
     */
    public Builder constantLiar(boolean on) {
      constantLiar = on;
      return this;
    }

    /**
     * Configurations to suggest first, in order; parameters they leave out are drawn at random.
     *
     * @param points the configurations
     * @return this
     */
    public Builder pointsToEvaluate(List<Map<String, Object>> points) {
      List<Map<String, Object>> copy = new ArrayList<>();
      for (Map<String, Object> p : points) {
        copy.add(new LinkedHashMap<>(p));
      }
      pointsToEvaluate = copy;
      return this;
    }

    private Options options() {
      return new Options(
          nStartupTrials,
          nEiCandidates,
          gamma,
          weights,
          priorWeight,
          considerEndpoints,
          considerMagicClip,
          constantLiar,
          List.copyOf(pointsToEvaluate));
    }

    /**
     * The searcher.
     *
     * @return a new TPE search
     */
    public TpeSearch build() {
      return new TpeSearch(options());
    }
  }
}
