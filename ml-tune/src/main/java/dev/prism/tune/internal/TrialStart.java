package dev.prism.tune.internal;

import dev.prism.train.CheckpointConfig;
import dev.prism.tune.Trainable;
import java.util.Map;

/**
 * One attempt of a trial, as the driver hands it to a runner.
 *
 * @param trialId the trial
 * @param attempt the attempt's number, unique per trial (polls and stops name it)
 * @param trainable what to run
 * @param config the trial's configuration
 * @param checkpoint the checkpoint directory to resume from, or empty
 * @param trialDir the trial's directory
 * @param startIteration the iteration of that checkpoint (0 without one)
 * @param startTimeTotal the training seconds spent before it
 * @param maxPending how many results may wait for the driver before {@code report} blocks
 * @param checkpoints which checkpoints to keep
 * @param stopGraceMillis how long the next start waits for this attempt to end once stopped
 */
public record TrialStart(
    String trialId,
    long attempt,
    Trainable trainable,
    Map<String, Object> config,
    String checkpoint,
    String trialDir,
    long startIteration,
    double startTimeTotal,
    int maxPending,
    CheckpointConfig checkpoints,
    long stopGraceMillis) {}
