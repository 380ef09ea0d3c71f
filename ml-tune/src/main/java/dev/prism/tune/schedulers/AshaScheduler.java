package dev.prism.tune.schedulers;

import static dev.prism.tune.schedulers.SchedulerSupport.NODES;
import static dev.prism.tune.schedulers.SchedulerSupport.asDouble;
import static dev.prism.tune.schedulers.SchedulerSupport.number;
import static dev.prism.tune.schedulers.SchedulerSupport.require;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Asynchronous successive halving, as Ray Tune's {@code ASHAScheduler} ({@code
 * AsyncHyperBandScheduler}). Bracket {@code s} has rungs at {@code gracePeriod * reductionFactor^(k
 * + s)} for every {@code k >= 0} with the milestone at most {@code maxT}. When a trial's time
 * attribute first reaches a rung's milestone, its score is compared with the {@code (1 - 1 /
 * reductionFactor)} percentile (numpy's {@code nanpercentile}, linear interpolation) of the scores
 * recorded at that rung before it: below it, the trial stops; either way its score is recorded
 * there. A trial whose time reaches {@code maxT} stops when {@code stopLastTrials} is set. Results
 * without the time attribute or the metric are ignored (the trial goes on).
 *
 * <p>Differences from Ray: with several brackets Ray draws each new trial's bracket at random,
 * weighted by {@code e^(rungs - max rungs)}; here trials are assigned round-robin in the order they
 * are added, which is deterministic. Rung milestones are computed by repeated multiplication
 * instead of Ray's floating-point logarithm, so a milestone equal to {@code maxT} is never lost to
 * rounding.
 */
public final class AshaScheduler implements TrialScheduler {
  private final String timeAttr;
  private final double gracePeriod;
  private final double reductionFactor;
  private final double maxT;
  private final int bracketCount;
  private final boolean stopLastTrials;

  private String metric;
  private Mode mode;

  /** Per bracket, rungs with the largest milestone first: trial to score recorded there. */
  private List<List<Rung>> brackets;

  private final Map<String, Integer> trialBracket = new LinkedHashMap<>();
  private long added;
  private long stopped;

  private record Rung(double milestone, Map<String, Double> recorded) {}

  private AshaScheduler(Builder b) {
    this.timeAttr = b.timeAttr;
    this.gracePeriod = b.gracePeriod;
    this.reductionFactor = b.reductionFactor;
    this.maxT = b.maxT;
    this.bracketCount = b.brackets;
    this.stopLastTrials = b.stopLastTrials;
    this.brackets = newBrackets();
  }

  /**
   * A builder with Ray's defaults: {@code training_iteration}, grace period 1, reduction factor 4,
   * max t 100, one bracket, last trials stopped.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private List<List<Rung>> newBrackets() {
    List<List<Rung>> out = new ArrayList<>();
    for (int s = 0; s < bracketCount; s++) {
      List<Rung> rungs = new ArrayList<>();
      for (double m : milestones(s)) {
        rungs.add(new Rung(m, new LinkedHashMap<>()));
      }
      Collections.reverse(rungs);
      out.add(rungs);
    }
    return out;
  }

  private List<Double> milestones(int s) {
    List<Double> out = new ArrayList<>();
    double m = gracePeriod * Math.pow(reductionFactor, s);
    while (m <= maxT * (1 + 1e-12)) {
      out.add(m);
      m *= reductionFactor;
    }
    return out;
  }

  /**
   * The rung milestones of a bracket, smallest first.
   *
   * @param bracket the bracket index, from 0
   * @return the milestones
   */
  public List<Double> rungMilestones(int bracket) {
    Objects.checkIndex(bracket, bracketCount);
    return List.copyOf(milestones(bracket));
  }

  /**
   * The scores recorded at a rung: the metric, negated in {@link Mode#MIN} so that larger is
   * better.
   *
   * @param bracket the bracket index, from 0
   * @param milestone one of {@link #rungMilestones(int)}
   * @return trial id to score, in recording order
   */
  public Map<String, Double> recordedAt(int bracket, double milestone) {
    Objects.checkIndex(bracket, bracketCount);
    for (Rung r : brackets.get(bracket)) {
      if (r.milestone() == milestone) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(r.recorded()));
      }
    }
    throw new IllegalArgumentException("no rung at milestone " + milestone);
  }

  /**
   * How many trials this scheduler stopped.
   *
   * @return the count
   */
  public long stoppedCount() {
    return stopped;
  }

  @Override
  public void setup(String metric, Mode mode) {
    this.metric = SchedulerSupport.requireName(metric, "metric");
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  @Override
  public void onTrialAdd(String trialId, Map<String, Object> config) {
    if (trialBracket.containsKey(trialId)) {
      return; // announced again (a restored sweep): it keeps its bracket
    }
    trialBracket.put(trialId, (int) (added++ % bracketCount));
  }

  @Override
  public Decision onTrialResult(String trialId, Map<String, Object> result) {
    SchedulerSupport.requireSetup(metric);
    Double time = number(result, timeAttr);
    Double value = number(result, metric);
    if (time == null || value == null) {
      return Decision.CONTINUE;
    }
    Decision decision;
    if (time >= maxT && stopLastTrials) {
      decision = Decision.STOP;
    } else {
      decision = onBracketResult(bracketOf(trialId), trialId, time, mode.score(value));
    }
    if (decision == Decision.STOP) {
      stopped++;
    }
    return decision;
  }

  private int bracketOf(String trialId) {
    Integer b = trialBracket.get(trialId);
    if (b == null) {
      // A trial the tuner never announced: assign it as if it had been added now.
      onTrialAdd(trialId, Map.of());
      b = trialBracket.get(trialId);
    }
    return b;
  }

  private Decision onBracketResult(int bracket, String trialId, double time, double score) {
    Decision decision = Decision.CONTINUE;
    for (Rung rung : brackets.get(bracket)) {
      boolean recorded = rung.recorded().containsKey(trialId);
      if (time >= rung.milestone() && recorded && !stopLastTrials) {
        break;
      }
      if (time < rung.milestone() || recorded) {
        continue;
      }
      double cutoff = cutoff(rung.recorded().values());
      if (!Double.isNaN(cutoff) && score < cutoff) {
        decision = Decision.STOP;
      }
      rung.recorded().put(trialId, score);
      break;
    }
    return decision;
  }

  /** numpy's nanpercentile at {@code (1 - 1/rf) * 100}, linear; NaN when nothing is recorded. */
  private double cutoff(Iterable<Double> recorded) {
    double[] v = new double[16];
    int n = 0;
    for (double x : recorded) {
      if (!Double.isNaN(x)) {
        if (n == v.length) {
          v = Arrays.copyOf(v, n * 2);
        }
        v[n++] = x;
      }
    }
    if (n == 0) {
      return Double.NaN;
    }
    Arrays.sort(v, 0, n);
    double pos = (1 - 1 / reductionFactor) * (n - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, n - 1);
    double frac = pos - lo;
    if (v[lo] == v[hi]) {
      return v[lo];
    }
    return v[lo] + (v[hi] - v[lo]) * frac;
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult) {
    Integer bracket = trialBracket.remove(trialId);
    Double time = number(lastResult, timeAttr);
    Double value = metric == null ? null : number(lastResult, metric);
    if (bracket != null && time != null && value != null) {
      onBracketResult(bracket, trialId, time, mode.score(value));
    }
  }

  @Override
  public void onTrialRemove(String trialId) {
    trialBracket.remove(trialId);
  }

  @Override
  public JsonNode saveState() {
    ObjectNode out = NODES.objectNode();
    out.put("added", added);
    out.put("stopped", stopped);
    ObjectNode trials = out.putObject("trialBracket");
    trialBracket.forEach(trials::put);
    ArrayNode bs = out.putArray("brackets");
    for (List<Rung> rungs : brackets) {
      ArrayNode rs = bs.addArray();
      for (Rung rung : rungs) {
        ObjectNode r = rs.addObject();
        r.put("milestone", rung.milestone());
        ArrayNode rec = r.putArray("recorded");
        rung.recorded().forEach((id, score) -> rec.addArray().add(id).add(score));
      }
    }
    return out;
  }

  @Override
  public void restoreState(JsonNode state) {
    added = state.path("added").asLong();
    stopped = state.path("stopped").asLong();
    trialBracket.clear();
    state
        .path("trialBracket")
        .properties()
        .forEach(e -> trialBracket.put(e.getKey(), e.getValue().asInt()));
    List<List<Rung>> restored = newBrackets();
    JsonNode bs = state.path("brackets");
    require(
        bs.size() == bracketCount,
        "brackets",
        bs.size(),
        "in the saved state must match this scheduler's " + bracketCount);
    for (int b = 0; b < bracketCount; b++) {
      List<Rung> rungs = restored.get(b);
      JsonNode rs = bs.get(b);
      require(
          rs.size() == rungs.size(),
          "rungs",
          rs.size(),
          "in the saved state must match this scheduler's " + rungs.size());
      for (int k = 0; k < rungs.size(); k++) {
        for (JsonNode pair : rs.get(k).path("recorded")) {
          rungs.get(k).recorded().put(pair.get(0).asText(), asDouble(pair.get(1)));
        }
      }
    }
    brackets = restored;
  }

  /** The options of an {@link AshaScheduler}. */
  public static final class Builder {
    private String timeAttr = "training_iteration";
    private double gracePeriod = 1;
    private double reductionFactor = 4;
    private double maxT = 100;
    private int brackets = 1;
    private boolean stopLastTrials = true;

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
     * The first rung's milestone: no trial stops before it.
     *
     * @param gracePeriod positive, 1 by default
     * @return this builder
     */
    public Builder gracePeriod(double gracePeriod) {
      require(
          gracePeriod > 0 && Double.isFinite(gracePeriod),
          "gracePeriod",
          gracePeriod,
          "must be positive");
      this.gracePeriod = gracePeriod;
      return this;
    }

    /**
     * The ratio between successive rungs; the top {@code 1/reductionFactor} of each rung goes on.
     *
     * @param reductionFactor above 1, 4 by default
     * @return this builder
     */
    public Builder reductionFactor(double reductionFactor) {
      require(
          reductionFactor > 1 && Double.isFinite(reductionFactor),
          "reductionFactor",
          reductionFactor,
          "must be greater than 1");
      this.reductionFactor = reductionFactor;
      return this;
    }

    /**
     * The most time a trial gets.
     *
     * @param maxT positive and at least the grace period, 100 by default
     * @return this builder
     */
    public Builder maxT(double maxT) {
      require(maxT > 0 && Double.isFinite(maxT), "maxT", maxT, "must be positive");
      this.maxT = maxT;
      return this;
    }

    /**
     * The number of brackets; bracket {@code s} starts at {@code gracePeriod * reductionFactor^s}.
     *
     * @param brackets at least 1, 1 by default
     * @return this builder
     */
    public Builder brackets(int brackets) {
      require(brackets >= 1, "brackets", brackets, "must be at least 1");
      this.brackets = brackets;
      return this;
    }

    /**
     * Whether trials reaching {@code maxT} stop.
     *
     * @param stopLastTrials true by default
     * @return this builder
     */
    public Builder stopLastTrials(boolean stopLastTrials) {
      this.stopLastTrials = stopLastTrials;
      return this;
    }

    /**
     * The scheduler.
     *
     * @return a new scheduler
     * @throws IllegalArgumentException when the grace period exceeds {@code maxT}
     */
    public AshaScheduler build() {
      require(
          gracePeriod <= maxT, "gracePeriod", gracePeriod, "must be at most maxT (" + maxT + ")");
      return new AshaScheduler(this);
    }
  }
}
