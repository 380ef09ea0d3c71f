package dev.prism.tune.search;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.tune.Mode;
import java.util.Map;
import java.util.Optional;

/**
 * Suggests the configurations of a sweep's trials and learns from their results, as Ray Tune's
 * {@code Searcher}. The tuner calls it from one thread: {@link #setup} once, then {@link #suggest}
 * whenever it can start a trial, and the result callbacks as results arrive. A searcher's whole
 * state must round-trip through {@link #saveState()} and {@link #restoreState(JsonNode)}, so a
 * sweep restored after its driver died continues where it was.
 */
public interface Searcher {

  /**
   * Called once before any other method.
   *
   * @param space the parameter space
   * @param metric the metric the sweep optimises (a key of the reported results)
   * @param mode whether larger or smaller values of it are better
   * @param seed the sweep's seed: the same seed and the same results give the same suggestions
   */
  void setup(Space space, String metric, Mode mode, long seed);

  /**
   * How many trials the sweep runs when the user asked for {@code numSamples}: {@code numSamples}
   * for most searchers; the number of grid points times {@code numSamples} for searchers that
   * expand grids.
   *
   * @param numSamples the sweep's number of samples
   * @return the number of trials to create
   */
  default int trialCount(int numSamples) {
    return numSamples;
  }

  /**
   * The configuration of a new trial.
   *
   * @param trialId the new trial's id
   * @return its configuration (every parameter of the space resolved to a value), or empty when the
   *     searcher has nothing to suggest now (the tuner asks again after the next result)
   */
  Optional<Map<String, Object>> suggest(String trialId);

  /**
   * An intermediate result of a trial.
   *
   * @param trialId the trial
   * @param result its metrics
   */
  default void onTrialResult(String trialId, Map<String, Object> result) {}

  /**
   * A trial ended.
   *
   * @param trialId the trial
   * @param lastResult its last result (empty when it reported none)
   * @param error whether it ended with an error
   */
  void onTrialComplete(String trialId, Map<String, Object> lastResult, boolean error);

  /**
   * The searcher's state, to save with the experiment.
   *
   * @return a JSON tree
   */
  JsonNode saveState();

  /**
   * Restores a state {@link #saveState()} returned; called after {@link #setup}.
   *
   * @param state the saved tree
   */
  void restoreState(JsonNode state);
}
