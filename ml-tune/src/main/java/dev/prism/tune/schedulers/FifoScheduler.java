package dev.prism.tune.schedulers;

import dev.prism.tune.Mode;
import java.util.Map;

/**
 * Runs every trial to its end and starts waiting trials in creation order, as Ray Tune's {@code
 * FIFOScheduler}. It has no state.
 */
public final class FifoScheduler implements TrialScheduler {

  /** A scheduler that never stops a trial early. */
  public FifoScheduler() {}

  @Override
  public void setup(String metric, Mode mode) {}

  @Override
  public Decision onTrialResult(String trialId, Map<String, Object> result) {
    return Decision.CONTINUE;
  }
}
