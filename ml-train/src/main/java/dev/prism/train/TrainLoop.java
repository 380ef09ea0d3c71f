package dev.prism.train;

import java.io.Serializable;

/**
 * The per-worker training function: every rank runs it with its own {@link TrainContext}. Give a
 * static method reference ({@code MyTraining::loop}) or a lambda that captures only serializable
 * values: it travels to the worker processes.
 */
@FunctionalInterface
public interface TrainLoop extends Serializable {
  /**
   * Trains: reads the shard, steps the model, reports metrics (and checkpoints).
   *
   * @param context this rank's context
   * @throws Exception any failure, which fails the worker (and restarts the group if allowed)
   */
  void train(TrainContext context) throws Exception;
}
