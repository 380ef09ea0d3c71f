package dev.prism.tune;

import java.io.Serializable;
import java.util.Map;

/**
 * What one trial runs, as Ray Tune's function trainable: it reads its configuration, trains, and
 * reports metrics (and optionally checkpoints) through the context once per iteration. It runs in a
 * worker process, so it must be serializable (a lambda of this type is) and it finds everything
 * else it needs through its class path. When the trial is resumed or restored, {@link
 * TuneContext#checkpoint()} holds the checkpoint to continue from.
 *
 * <p>A class with set-up, step, save and restore methods is turned into a trainable with {@link
 * StepTrainable#asTrainable}.
 */
@FunctionalInterface
public interface Trainable extends Serializable {

  /**
   * Runs the trial.
   *
   * @param config the trial's configuration, every parameter resolved to a value
   * @param context reports results and holds the checkpoint to resume from
   * @throws Exception any failure: the trial is retried from its latest checkpoint as the failure
   *     config allows, and otherwise ends with this error
   */
  void train(Map<String, Object> config, TuneContext context) throws Exception;
}
