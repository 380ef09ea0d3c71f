package dev.prism.tune;

import dev.prism.train.Checkpoint;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A running trial's link to the tuner: reports its results and checkpoints, and tells it where to
 * resume from. Every report is one iteration ({@code training_iteration} counts them, starting
 * after the iteration of the checkpoint the trial resumed from).
 *
 * <p>When the scheduler or a stop criterion ends the trial, the next {@code report} throws {@link
 * TrialStoppedException}: let it propagate (the trial then ends as stopped, not failed).
 */
public interface TuneContext {

  /**
   * The trial's id.
   *
   * @return the id, e.g. {@code trial_00003}
   */
  String trialId();

  /**
   * The trial's directory under the experiment's storage path (its results and checkpoints).
   *
   * @return the directory
   */
  Path trialDir();

  /**
   * The number of iterations reported so far, counting those of the checkpoint resumed from.
   *
   * @return the iteration of the last report (0 before the first)
   */
  long iteration();

  /**
   * The checkpoint to resume from: the trial's latest after a failure, a pause or a restore, or
   * another trial's when population-based training cloned it.
   *
   * @return the checkpoint, or empty on a fresh start
   */
  Optional<Checkpoint> checkpoint();

  /**
   * Reports one iteration's metrics.
   *
   * @param metrics the metrics (numbers, strings or booleans)
   * @throws TrialStoppedException when the trial is to end now
   */
  void report(Map<String, ?> metrics);

  /**
   * Reports one iteration's metrics with a checkpoint, which the tuner moves into the trial's
   * directory (the checkpoint's own directory is deleted once copied).
   *
   * @param metrics the metrics
   * @param checkpoint the checkpoint to keep
   * @throws TrialStoppedException when the trial is to end now
   */
  void report(Map<String, ?> metrics, Checkpoint checkpoint);
}
