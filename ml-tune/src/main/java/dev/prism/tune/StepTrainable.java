package dev.prism.tune;

import dev.prism.function.PrismFunc0;
import dev.prism.train.Checkpoint;
import java.nio.file.Path;
import java.util.Map;

/**
 * A trial as a class, as Ray Tune's class trainable: {@link #setup} once, then {@link #step} per
 * iteration until the trial ends, {@link #save} every few steps and {@link #restore} when it
 * resumes. A step whose metrics hold {@code done = true} ends the trial.
 */
public interface StepTrainable {

  /**
   * Prepares the trial.
   *
   * @param config the trial's configuration
   * @throws Exception any failure
   */
  void setup(Map<String, Object> config) throws Exception;

  /**
   * Runs one iteration.
   *
   * @return its metrics
   * @throws Exception any failure
   */
  Map<String, ?> step() throws Exception;

  /**
   * Writes the trial's state into a checkpoint directory.
   *
   * @param dir an empty directory
   * @throws Exception any failure
   */
  default void save(Path dir) throws Exception {}

  /**
   * Reads the trial's state from a checkpoint directory {@link #save} wrote.
   *
   * @param dir the directory
   * @throws Exception any failure
   */
  default void restore(Path dir) throws Exception {}

  /**
   * Releases what the trial holds; called when it ends, however it ends.
   *
   * @throws Exception any failure
   */
  default void cleanup() throws Exception {}

  /**
   * The trainable that runs instances of a class: set-up, then steps, with a checkpoint every
   * {@code checkpointEvery} steps (0 for none) and at the last step when it says {@code done}.
   *
   * @param factory makes an instance in the worker (a constructor reference)
   * @param checkpointEvery the steps between checkpoints, 0 for none
   * @return the trainable
   * @throws IllegalArgumentException if {@code checkpointEvery} is negative
   */
  static Trainable asTrainable(PrismFunc0<? extends StepTrainable> factory, int checkpointEvery) {
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("checkpointEvery must be >= 0, got " + checkpointEvery);
    }
    return (config, context) -> {
      StepTrainable t = factory.apply();
      try {
        t.setup(config);
        if (context.checkpoint().isPresent()) {
          t.restore(context.checkpoint().get().path());
        }
        while (true) {
          Map<String, ?> metrics = t.step();
          boolean done = Boolean.TRUE.equals(metrics.get("done"));
          long next = context.iteration() + 1;
          if (checkpointEvery > 0 && (next % checkpointEvery == 0 || done)) {
            Checkpoint c = Checkpoint.create();
            t.save(c.path());
            context.report(metrics, c);
          } else {
            context.report(metrics);
          }
          if (done) {
            return;
          }
        }
      } finally {
        t.cleanup();
      }
    };
  }
}
