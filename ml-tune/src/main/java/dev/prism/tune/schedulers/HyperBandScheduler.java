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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Synchronous HyperBand, as Ray Tune's {@code HyperBandScheduler}. With {@code sMax1 =
 * round(log_eta(maxT)) + 1}, each band holds brackets {@code s = 0 .. sMax1 - 1}; bracket {@code s}
 * takes {@code ceil(sMax1 / (s + 1) * eta^s)} trials that first run to {@code floor(maxT *
 * eta^-s)}. Trials fill the current bracket as they are added, then the next one, then a new band.
 * A trial that reaches its bracket's milestone is paused; when every live trial of the bracket has
 * reached it, the best {@code ceil(n / eta)} go on to a milestone {@code eta} times further (capped
 * at {@code maxT}) and the others stop. In the last round (no halvings left) trials that reach
 * {@code maxT} pause until all have, then all stop ({@code stopLastTrials}).
 *
 * <p>The tuner's part: call {@link #onTrialAdd} for every trial before it runs (ideally create
 * trials ahead so a bracket fills before its first milestone, as Ray does with pending trials);
 * resume paused trials only when {@link #chooseTrialToRun} names them; after every callback call
 * {@link #trialsToStop()} and stop the paused trials it lists. A running trial cut in a halving is
 * told {@link Decision#STOP} on its next result. Callbacks for trials the scheduler already ended
 * are ignored (a result from one is answered with STOP).
 *
 * <p>Differences from Ray: paused trials are stopped through {@link #trialsToStop()} rather than
 * through the controller; bracket progress counts forward ({@code new time - last time}; Ray adds
 * the negation, so its brackets' completion order is reversed); a removed or completed trial always
 * triggers processing of its bracket (Ray skips this once a bracket has been halved), and when that
 * finishes the bracket its paused trials are stopped at once; a NaN score ranks last; results
 * without the time attribute or the metric are ignored (the trial goes on).
 */
public final class HyperBandScheduler implements TrialScheduler {
  private enum Status {
    PENDING,
    RUNNING,
    PAUSED
  }

  private record Progress(double time, double score) {}

  private final String timeAttr;
  private final long maxT;
  private final double eta;
  private final boolean stopLastTrials;
  private final int sMax1;

  private String metric;
  private Mode mode;

  private final List<List<Bracket>> bands = new ArrayList<>();
  private int curBand;
  private int curBracket = -1;
  private final Map<String, int[]> trialInfo = new LinkedHashMap<>();
  private final Map<String, Status> status = new LinkedHashMap<>();
  private final List<String> toStop = new ArrayList<>();
  private final Set<String> stopOnNextResult = new LinkedHashSet<>();
  private final Set<String> ended = new LinkedHashSet<>();
  private long stopped;

  private HyperBandScheduler(Builder b) {
    this.timeAttr = b.timeAttr;
    this.maxT = b.maxT;
    this.eta = b.reductionFactor;
    this.stopLastTrials = b.stopLastTrials;
    this.sMax1 = (int) Math.round(Math.log(maxT) / Math.log(eta)) + 1;
    bands.add(new ArrayList<>());
  }

  /**
   * A builder with Ray's defaults: {@code training_iteration}, max t 81, reduction factor 3, last
   * trials stopped.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How many trials this scheduler stopped (cut in halvings or at the end of a bracket).
   *
   * @return the count
   */
  public long stoppedCount() {
    return stopped;
  }

  /**
   * The number of brackets per band.
   *
   * @return {@code round(log_eta(maxT)) + 1}
   */
  public int bracketsPerBand() {
    return sMax1;
  }

  /**
   * The milestone a trial currently runs to: its bracket's current time budget.
   *
   * @param trialId the trial
   * @return the milestone, or empty when the scheduler does not track the trial
   */
  public Optional<Long> milestoneOf(String trialId) {
    int[] pos = trialInfo.get(trialId);
    return pos == null ? Optional.empty() : Optional.of(bracket(pos).cumulR);
  }

  private Bracket bracket(int[] pos) {
    return bands.get(pos[0]).get(pos[1]);
  }

  @Override
  public void setup(String metric, Mode mode) {
    this.metric = SchedulerSupport.requireName(metric, "metric");
    this.mode = Objects.requireNonNull(mode, "mode");
  }

  @Override
  public void onTrialAdd(String trialId, Map<String, Object> config) {
    SchedulerSupport.requireSetup(metric);
    if (trialInfo.containsKey(trialId) || ended.contains(trialId) || status.containsKey(trialId)) {
      return; // announced again (a restored sweep): it keeps its place
    }
    Bracket cur = curBracket < 0 ? null : bands.get(curBand).get(curBracket);
    if (cur == null || cur.filled()) {
      while (true) {
        if (bands.get(curBand).size() == sMax1) {
          bands.add(new ArrayList<>());
          curBand++;
        }
        List<Bracket> band = bands.get(curBand);
        int s = band.size();
        long r0 = (long) (maxT * Math.pow(eta, -s));
        cur =
            r0 == 0
                ? null
                : new Bracket(s, (int) Math.ceil(sMax1 / (s + 1.0) * Math.pow(eta, s)), r0);
        band.add(cur);
        curBracket = band.size() - 1;
        if (cur != null) {
          break;
        }
      }
    }
    cur.live.put(trialId, null);
    trialInfo.put(trialId, new int[] {curBand, curBracket});
    status.put(trialId, Status.PENDING);
  }

  @Override
  public Decision onTrialResult(String trialId, Map<String, Object> result) {
    SchedulerSupport.requireSetup(metric);
    if (stopOnNextResult.remove(trialId) || ended.contains(trialId)) {
      forget(trialId);
      return Decision.STOP;
    }
    int[] pos = trialInfo.get(trialId);
    Double time = number(result, timeAttr);
    Double value = number(result, metric);
    if (pos == null || time == null || value == null) {
      return Decision.CONTINUE;
    }
    status.put(trialId, Status.RUNNING);
    Bracket bracket = bracket(pos);
    bracket.update(trialId, time, mode.score(value));
    if (bracket.continueTrial(trialId)) {
      return Decision.CONTINUE;
    }
    Decision decision = process(bracket, trialId);
    if (decision == Decision.PAUSE) {
      status.put(trialId, Status.PAUSED);
    } else if (decision == Decision.STOP) {
      forget(trialId);
    }
    return decision;
  }

  /** Ray's {@code _process_bracket}; {@code current} is the trial whose result is being handled. */
  private Decision process(Bracket bracket, String current) {
    Decision action = Decision.PAUSE;
    if (!bracket.curIterDone()) {
      return action;
    }
    if (bracket.finished()) {
      for (String t : List.copyOf(bracket.live.keySet())) {
        if (!t.equals(current)) {
          stopped++;
          end(t);
        }
      }
      bracket.live.clear();
      if (current != null) {
        stopped++;
      }
      return Decision.STOP;
    }
    List<String> sorted = new ArrayList<>(bracket.live.keySet());
    int keep = bracket.halve();
    sorted.sort(Comparator.comparingDouble(t -> scoreOf(bracket.live.get(t))));
    int cut = Math.max(0, sorted.size() - keep);
    for (String t : sorted.subList(0, cut)) {
      stopped++;
      bracket.live.remove(t);
      if (t.equals(current)) {
        action = Decision.STOP;
      } else {
        end(t);
      }
    }
    for (String t : sorted.subList(cut, sorted.size())) {
      if (bracket.continueTrial(t)) {
        if (status.get(t) == Status.PAUSED) {
          bracket.toUnpause.add(t);
        } else if (t.equals(current)) {
          action = Decision.CONTINUE;
        }
      }
    }
    return action;
  }

  private static double scoreOf(Progress p) {
    return p == null || Double.isNaN(p.score()) ? Double.NEGATIVE_INFINITY : p.score();
  }

  /** Ends a trial that is not the one reporting: paused ones through trialsToStop. */
  private void end(String t) {
    Status s = status.get(t);
    if (s == Status.PAUSED || s == Status.PENDING) {
      toStop.add(t);
      forget(t);
    } else if (s == Status.RUNNING) {
      stopOnNextResult.add(t);
      trialInfo.remove(t);
    }
  }

  private void forget(String t) {
    trialInfo.remove(t);
    status.remove(t);
    ended.add(t);
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult) {
    onTrialRemove(trialId);
  }

  @Override
  public void onTrialRemove(String trialId) {
    stopOnNextResult.remove(trialId);
    int[] pos = trialInfo.get(trialId);
    forget(trialId);
    if (pos == null) {
      return;
    }
    Bracket bracket = bracket(pos);
    bracket.live.remove(trialId);
    bracket.toUnpause.remove(trialId);
    process(bracket, null);
  }

  @Override
  public Optional<String> chooseTrialToRun(List<String> waiting) {
    Optional<String> chosen = pick(waiting);
    if (chosen.isPresent() || status.containsValue(Status.RUNNING)) {
      return chosen;
    }
    // Nothing runs: process brackets with paused trials (Ray's fallback), then try once more.
    for (List<Bracket> band : bands) {
      for (Bracket b : band) {
        if (b != null && b.live.keySet().stream().anyMatch(t -> status.get(t) == Status.PAUSED)) {
          process(b, null);
        }
      }
    }
    return pick(waiting);
  }

  private Optional<String> pick(List<String> waiting) {
    Set<String> candidates = new LinkedHashSet<>(waiting);
    for (List<Bracket> band : bands) {
      List<Bracket> order = new ArrayList<>();
      band.stream().filter(Objects::nonNull).forEach(order::add);
      order.sort(Comparator.comparingDouble(Bracket::completion));
      for (Bracket b : order) {
        for (String t : b.live.keySet()) {
          Status s = status.get(t);
          boolean runnable = s == Status.PENDING || (s == Status.PAUSED && b.toUnpause.contains(t));
          if (runnable && candidates.contains(t)) {
            status.put(t, Status.RUNNING);
            return Optional.of(t);
          }
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public List<String> trialsToStop() {
    List<String> out = List.copyOf(toStop);
    toStop.clear();
    return out;
  }

  @Override
  public JsonNode saveState() {
    ObjectNode out = NODES.objectNode();
    out.put("curBand", curBand);
    out.put("curBracket", curBracket);
    out.put("stopped", stopped);
    ArrayNode bs = out.putArray("bands");
    for (List<Bracket> band : bands) {
      ArrayNode a = bs.addArray();
      band.forEach(b -> a.add(b == null ? NODES.nullNode() : b.save()));
    }
    ObjectNode info = out.putObject("trials");
    trialInfo.forEach((t, p) -> info.putArray(t).add(p[0]).add(p[1]));
    ObjectNode st = out.putObject("status");
    status.forEach((t, s) -> st.put(t, s.name()));
    out.set("toStop", strings(toStop));
    out.set("stopOnNextResult", strings(stopOnNextResult));
    out.set("ended", strings(ended));
    return out;
  }

  @Override
  public void restoreState(JsonNode state) {
    curBand = state.path("curBand").asInt();
    curBracket = state.path("curBracket").asInt();
    stopped = state.path("stopped").asLong();
    bands.clear();
    for (JsonNode band : state.path("bands")) {
      List<Bracket> list = new ArrayList<>();
      band.forEach(b -> list.add(b.isNull() ? null : Bracket.restore(this, b)));
      bands.add(list);
    }
    trialInfo.clear();
    state
        .path("trials")
        .properties()
        .forEach(
            e ->
                trialInfo.put(
                    e.getKey(),
                    new int[] {e.getValue().get(0).asInt(), e.getValue().get(1).asInt()}));
    status.clear();
    state
        .path("status")
        .properties()
        .forEach(e -> status.put(e.getKey(), Status.valueOf(e.getValue().asText())));
    toStop.clear();
    toStop.addAll(strings(state.path("toStop")));
    stopOnNextResult.clear();
    stopOnNextResult.addAll(strings(state.path("stopOnNextResult")));
    ended.clear();
    ended.addAll(strings(state.path("ended")));
  }

  /** One bracket: Ray's {@code _Bracket}. */
  private final class Bracket {
    final int s;
    final int n0;
    final long r0;
    int n;
    long r;
    long cumulR;
    int halves;
    final long totalWork;
    double completedProgress;
    final Map<String, Progress> live = new LinkedHashMap<>();
    final Set<String> toUnpause = new LinkedHashSet<>();

    Bracket(int s, int n0, long r0) {
      this.s = s;
      this.n0 = n0;
      this.r0 = r0;
      this.n = n0;
      this.r = r0;
      this.cumulR = r0;
      this.halves = s;
      long work = 0;
      double nn = n0;
      double rr = r0;
      for (int i = 0; i <= s; i++) {
        work += (long) nn * (long) rr;
        nn = Math.ceil(nn / eta);
        rr *= eta;
      }
      this.totalWork = Math.max(1, work);
    }

    boolean filled() {
      return live.size() == n;
    }

    boolean curIterDone() {
      return live.values().stream().allMatch(p -> p != null && p.time() >= cumulR);
    }

    boolean finished() {
      return stopLastTrials && halves == 0 && curIterDone();
    }

    boolean continueTrial(String t) {
      if (!stopLastTrials && halves == 0) {
        return true;
      }
      Progress p = live.get(t);
      return (p == null ? 0 : p.time()) < cumulR;
    }

    void update(String t, double time, double score) {
      Progress last = live.get(t);
      completedProgress += time - (last == null ? 0 : last.time());
      live.put(t, new Progress(time, score));
      toUnpause.remove(t);
    }

    /** Moves to the next round; returns how many trials go on. */
    int halve() {
      if (halves == 0 && !stopLastTrials) {
        return live.size();
      }
      halves--;
      n = (int) Math.ceil(n / eta);
      r = (long) Math.min(r * eta, maxT);
      cumulR = r;
      return n;
    }

    double completion() {
      return finished() ? 1.0 : Math.min(completedProgress / totalWork, 1.0);
    }

    ObjectNode save() {
      ObjectNode o = NODES.objectNode();
      o.put("s", s).put("n0", n0).put("r0", r0).put("n", n).put("r", r).put("cumulR", cumulR);
      o.put("halves", halves).put("completedProgress", completedProgress);
      ArrayNode l = o.putArray("live");
      live.forEach(
          (t, p) -> {
            ArrayNode e = l.addArray().add(t);
            if (p != null) {
              e.add(p.time()).add(p.score());
            }
          });
      o.set("toUnpause", strings(toUnpause));
      return o;
    }

    static Bracket restore(HyperBandScheduler owner, JsonNode o) {
      Bracket b =
          owner.new Bracket(o.path("s").asInt(), o.path("n0").asInt(), o.path("r0").asLong());
      b.n = o.path("n").asInt();
      b.r = o.path("r").asLong();
      b.cumulR = o.path("cumulR").asLong();
      b.halves = o.path("halves").asInt();
      b.completedProgress = asDouble(o.path("completedProgress"));
      for (JsonNode e : o.path("live")) {
        b.live.put(
            e.get(0).asText(),
            e.size() < 3 ? null : new Progress(asDouble(e.get(1)), asDouble(e.get(2))));
      }
      b.toUnpause.addAll(strings(o.path("toUnpause")));
      return b;
    }
  }

  /** The options of a {@link HyperBandScheduler}. */
  public static final class Builder {
    private String timeAttr = "training_iteration";
    private long maxT = 81;
    private double reductionFactor = 3;
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
     * The most time a trial gets.
     *
     * @param maxT positive, 81 by default
     * @return this builder
     */
    public Builder maxT(long maxT) {
      require(maxT > 0, "maxT", maxT, "must be positive");
      this.maxT = maxT;
      return this;
    }

    /**
     * eta: the ratio between successive milestones; the top {@code 1/eta} of a round goes on.
     *
     * @param reductionFactor above 1, 3 by default
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
     * Whether trials of a bracket's last round stop when they reach {@code maxT}; when false they
     * go on until they end on their own.
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
     */
    public HyperBandScheduler build() {
      return new HyperBandScheduler(this);
    }
  }
}
