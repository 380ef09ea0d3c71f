package dev.prism.tune.schedulers;

import static dev.prism.tune.schedulers.SchedulerSupport.NODES;
import static dev.prism.tune.schedulers.SchedulerSupport.asDouble;
import static dev.prism.tune.schedulers.SchedulerSupport.number;
import static dev.prism.tune.schedulers.SchedulerSupport.require;
import static dev.prism.tune.schedulers.SchedulerSupport.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.tune.Mode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The median stopping rule, as Ray Tune's {@code MedianStoppingRule}: a trial whose time attribute
 * has reached the grace period stops when its best value so far is strictly worse than the median,
 * over the other trials that have reached the same time, of their running averages (the mean of
 * their values from the grace period up to that time). The rule applies only when at least {@code
 * minSamplesRequired} other trials have reached that time. Completed, stopped and failed trials
 * keep counting, as in Ray.
 *
 * <p>Differences from Ray: the time attribute defaults to {@code training_iteration} and the grace
 * period to 1 (Ray: {@code time_total_s} and 60 seconds; set both to get Ray's behaviour); with too
 * few samples the trial goes on (Ray may pause it to give the slot to waiting trials, governed by
 * {@code min_time_slice}, which is not offered here); a trial with no result between the grace
 * period and the time in question (so no running average) is left out of the median, where Ray's
 * NaN median would stop the judged trial. With {@code hardStop} false the trial is paused instead
 * of stopped and, once resumed, never judged again, as in Ray. Results without the time attribute
 * or the metric are ignored (the trial goes on).
 */
public final class MedianStoppingRule implements TrialScheduler {
  private final String timeAttr;
  private final double gracePeriod;
  private final int minSamplesRequired;
  private final boolean hardStop;

  private String metric;
  private Mode mode;

  /** Per trial, its results as (time, value) pairs in order. */
  private final Map<String, List<double[]>> results = new LinkedHashMap<>();

  private final Set<String> stoppedTrials = new LinkedHashSet<>();

  private MedianStoppingRule(Builder b) {
    this.timeAttr = b.timeAttr;
    this.gracePeriod = b.gracePeriod;
    this.minSamplesRequired = b.minSamplesRequired;
    this.hardStop = b.hardStop;
  }

  /**
   * A builder: {@code training_iteration}, grace period 1, 3 samples required, hard stop.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The trials this rule stopped (or paused, without hard stop), in order.
   *
   * @return their ids
   */
  public List<String> stoppedTrials() {
    return List.copyOf(stoppedTrials);
  }

  @Override
  public void setup(String metric, Mode mode) {
    this.metric = SchedulerSupport.requireName(metric, "metric");
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  @Override
  public Decision onTrialResult(String trialId, Map<String, Object> result) {
    SchedulerSupport.requireSetup(metric);
    Double time = number(result, timeAttr);
    Double value = number(result, metric);
    if (time == null || value == null || stoppedTrials.contains(trialId)) {
      return Decision.CONTINUE;
    }
    results.computeIfAbsent(trialId, k -> new ArrayList<>()).add(new double[] {time, value});
    if (time < gracePeriod) {
      return Decision.CONTINUE;
    }
    List<String> others = new ArrayList<>();
    for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
      List<double[]> rs = e.getValue();
      if (!e.getKey().equals(trialId) && rs.get(rs.size() - 1)[0] >= time) {
        others.add(e.getKey());
      }
    }
    if (others.size() < minSamplesRequired) {
      return Decision.CONTINUE;
    }
    double[] means =
        others.stream()
            .mapToDouble(t -> runningMean(t, time))
            .filter(m -> !Double.isNaN(m))
            .toArray();
    if (means.length == 0) {
      return Decision.CONTINUE;
    }
    double median = median(means);
    double best = best(trialId);
    if (mode.better(median, best)) {
      stoppedTrials.add(trialId);
      return hardStop ? Decision.STOP : Decision.PAUSE;
    }
    return Decision.CONTINUE;
  }

  private double runningMean(String trialId, double time) {
    double sum = 0;
    int n = 0;
    for (double[] r : results.get(trialId)) {
      if (r[0] >= gracePeriod && r[0] <= time) {
        sum += r[1];
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private double best(String trialId) {
    double best = Double.NaN;
    for (double[] r : results.get(trialId)) {
      if (Double.isNaN(best) || mode.better(r[1], best)) {
        best = r[1];
      }
    }
    return best;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult) {
    Double time = number(lastResult, timeAttr);
    Double value = metric == null ? null : number(lastResult, metric);
    if (time != null && value != null) {
      List<double[]> rs = results.computeIfAbsent(trialId, k -> new ArrayList<>());
      double[] last = rs.isEmpty() ? null : rs.get(rs.size() - 1);
      // The tuner may hand the last reported result again: count it once.
      if (last == null || last[0] != time || Double.compare(last[1], value) != 0) {
        rs.add(new double[] {time, value});
      }
    }
  }

  @Override
  public JsonNode saveState() {
    ObjectNode out = NODES.objectNode();
    ObjectNode rs = out.putObject("results");
    results.forEach(
        (t, list) -> {
          ArrayNode a = rs.putArray(t);
          list.forEach(r -> a.addArray().add(r[0]).add(r[1]));
        });
    out.set("stopped", strings(stoppedTrials));
    return out;
  }

  @Override
  public void restoreState(JsonNode state) {
    results.clear();
    state
        .path("results")
        .properties()
        .forEach(
            e -> {
              List<double[]> list = new ArrayList<>();
              e.getValue()
                  .forEach(r -> list.add(new double[] {asDouble(r.get(0)), asDouble(r.get(1))}));
              results.put(e.getKey(), list);
            });
    stoppedTrials.clear();
    stoppedTrials.addAll(strings(state.path("stopped")));
  }

  /** The options of a {@link MedianStoppingRule}. */
  public static final class Builder {
    private String timeAttr = "training_iteration";
    private double gracePeriod = 1;
    private int minSamplesRequired = 3;
    private boolean hardStop = true;

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
     * The time before which no trial stops, and from which running averages count.
     *
     * @param gracePeriod zero or more, 1 by default
     * @return this builder
     */
    public Builder gracePeriod(double gracePeriod) {
      require(
          gracePeriod >= 0 && Double.isFinite(gracePeriod),
          "gracePeriod",
          gracePeriod,
          "must be zero or positive");
      this.gracePeriod = gracePeriod;
      return this;
    }

    /**
     * How many other trials must have reached a time for the rule to judge a trial there.
     *
     * @param minSamplesRequired at least 1, 3 by default
     * @return this builder
     */
    public Builder minSamplesRequired(int minSamplesRequired) {
      require(
          minSamplesRequired >= 1, "minSamplesRequired", minSamplesRequired, "must be at least 1");
      this.minSamplesRequired = minSamplesRequired;
      return this;
    }

    /**
     * Whether a judged trial stops (true) or pauses and later goes on unjudged (false).
     *
     * @param hardStop true by default
     * @return this builder
     */
    public Builder hardStop(boolean hardStop) {
      this.hardStop = hardStop;
      return this;
    }

    /**
     * The scheduler.
     *
     * @return a new scheduler
     */
    public MedianStoppingRule build() {
      return new MedianStoppingRule(this);
    }
  }
}
