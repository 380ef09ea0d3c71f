package dev.prism.tune;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.KeyValueStore;
import dev.prism.metrics.Counter;
import dev.prism.metrics.Gauge;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An experiment as the cluster sees it while it runs: its metrics ({@code prism_tune_trials} by
 * state, {@code prism_tune_best_metric}, {@code prism_tune_results_total}; docs/metrics.md),
 * exported by the driver's node, and a JSON status in the cluster's key-value store under {@link
 * #KEY_PREFIX} plus the experiment's name, which the head's dashboard shows (its Tune tab and
 * {@code /api/v0/tune/experiments}). Written at most every {@link #EVERY_NANOS} and when the
 * experiment ends; a failed write is logged and retried with the next.
 */
final class TuneStatus {

  /** The key-value store's keys of experiments' status, in the driver's namespace. */
  static final String KEY_PREFIX = "dashboard/tune/";

  /** Trials in the status at most (the first ones); the counts cover all. */
  static final int MAX_TRIALS = 500;

  private static final long EVERY_NANOS = 1_000_000_000L;
  private static final Logger LOG = LoggerFactory.getLogger(TuneStatus.class);
  private static final Gauge TRIALS =
      Gauge.builder("prism_tune_trials")
          .description("trials of a Tune experiment by state")
          .tagKeys("experiment", "state")
          .build();
  private static final Gauge BEST =
      Gauge.builder("prism_tune_best_metric")
          .description("the best value of the metric a Tune experiment optimises, so far")
          .tagKeys("experiment", "metric")
          .build();
  private static final Counter RESULTS =
      Counter.builder("prism_tune_results_total")
          .description("results the trials of a Tune experiment reported")
          .tagKeys("experiment")
          .build();

  private final String name;
  private final String metric;
  private final Mode mode;
  private long written = Long.MIN_VALUE;

  TuneStatus(String name, String metric, Mode mode) {
    this.name = name;
    this.metric = metric;
    this.mode = mode;
  }

  /** Counts results a trial reported. */
  void results(int n) {
    if (n > 0) {
      RESULTS.inc(n, name);
    }
  }

  /**
   * Sets the gauges and writes the status, unless it was written less than a second ago.
   *
   * @param trials the trials
   * @param totalTrials the trials the experiment will have
   * @param elapsed seconds it ran
   * @param finished whether it ended (always written)
   */
  void publish(List<Trial> trials, int totalTrials, double elapsed, boolean finished) {
    long now = System.nanoTime();
    if (!finished && written != Long.MIN_VALUE && now - written < EVERY_NANOS) {
      return;
    }
    written = now;
    Map<TrialStatus, Integer> counts = new EnumMap<>(TrialStatus.class);
    Trial bestTrial = null;
    double best = Double.NaN;
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("name", name);
    root.put("metric", metric);
    root.put("mode", mode.name());
    root.put("totalTrials", totalTrials);
    root.put("elapsedS", elapsed);
    root.put("finished", finished);
    ArrayNode ts = Json.MAPPER.createArrayNode();
    for (Trial t : trials) {
      counts.merge(t.status, 1, Integer::sum);
      double own = Double.NaN;
      for (Map<String, Object> r : t.history) {
        if (r.get(metric) instanceof Number n && better(n.doubleValue(), own)) {
          own = n.doubleValue();
        }
      }
      if (!Double.isNaN(own) && better(own, best)) {
        best = own;
        bestTrial = t;
      }
      if (ts.size() < MAX_TRIALS) {
        ObjectNode n = ts.addObject();
        n.put("id", t.id);
        n.put("status", t.status.name());
        n.set("config", Json.MAPPER.valueToTree(t.config));
        n.put("iteration", t.iteration());
        n.set("lastResult", Json.MAPPER.valueToTree(t.lastResult()));
        if (!Double.isNaN(own)) {
          n.put("best", own);
        }
        n.put("error", t.error);
      }
    }
    ObjectNode c = root.putObject("counts");
    for (TrialStatus s : TrialStatus.values()) {
      int n = counts.getOrDefault(s, 0);
      c.put(s.name(), n);
      TRIALS.set(n, name, s.name());
    }
    if (bestTrial != null) {
      ObjectNode b = root.putObject("best");
      b.put("trial", bestTrial.id);
      b.put("value", best);
      b.set("config", Json.MAPPER.valueToTree(bestTrial.config));
      BEST.set(best, name, metric);
    }
    root.set("trials", ts);
    try {
      KeyValueStore.put(KEY_PREFIX + name, Json.write(root).getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.debug("could not write the experiment's status for the dashboard: {}", e.toString());
    }
  }

  private boolean better(double v, double than) {
    return Double.isNaN(than) || (mode == Mode.MAX ? v > than : v < than);
  }
}
