package dev.prism.tune.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.prism.tune.Mode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, result by result, whether each trial goes on, stops early or pauses, and which waiting
 * trial runs next, as Ray Tune's {@code TrialScheduler}. The tuner calls it from one thread.
 * Results carry {@code training_iteration} (1 for a trial's first result) besides the user's
 * metrics. A scheduler's whole state must round-trip through {@link #saveState()} and {@link
 * #restoreState(JsonNode)}.
 */
public interface TrialScheduler {

  /**
   * Called once before any other method.
   *
   * @param metric the metric the sweep optimises
   * @param mode whether larger or smaller values are better
   */
  void setup(String metric, Mode mode);

  /**
   * A trial was created (it waits to run).
   *
   * @param trialId the trial
   * @param config its configuration
   */
  default void onTrialAdd(String trialId, Map<String, Object> config) {}

  /**
   * A trial reported a result.
   *
   * @param trialId the trial
   * @param result its metrics, with {@code training_iteration}
   * @return what the trial does next
   */
  Decision onTrialResult(String trialId, Map<String, Object> result);

  /**
   * A trial finished on its own (its trainable returned).
   *
   * @param trialId the trial
   * @param lastResult its last result (empty when it reported none)
   */
  default void onTrialComplete(String trialId, Map<String, Object> lastResult) {}

  /**
   * A trial ended with an error after its retries, or was stopped by the tuner.
   *
   * @param trialId the trial
   */
  default void onTrialRemove(String trialId) {}

  /**
   * Chooses which waiting trial to start or resume when a slot is free.
   *
   * @param waiting the ids of trials that wait (new or paused), in creation order
   * @return the one to run, or empty to run none now
   */
  default Optional<String> chooseTrialToRun(List<String> waiting) {
    return waiting.isEmpty() ? Optional.empty() : Optional.of(waiting.get(0));
  }

  /**
   * The trials this scheduler wants ended although they get no callback now: paused trials that
   * {@link HyperBandScheduler} cut in a halving round. Each call returns the ids gathered since the
   * last call and forgets them. The tuner calls it after every callback into the scheduler and
   * stops each listed trial that is still waiting, as terminated (not failed); it may then call
   * {@link #onTrialRemove} for them, which the scheduler ignores.
   *
   * @return the trials to stop, in the order the scheduler cut them; empty for most schedulers
   */
  default List<String> trialsToStop() {
    return List.of();
  }

  /**
   * The scheduler's state, to save with the experiment.
   *
   * @return a JSON tree
   */
  default JsonNode saveState() {
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * Restores a state {@link #saveState()} returned; called after {@link #setup}.
   *
   * @param state the saved tree
   */
  default void restoreState(JsonNode state) {}
}
