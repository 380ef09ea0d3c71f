package dev.prism.tune.search;

import java.io.Serializable;
import java.util.Map;

/**
 * A parameter whose value is derived from other values of the same configuration, as Ray Tune's
 * {@code sample_from}. It sees every non-computed value of the configuration and the computed
 * values added before it.
 */
@FunctionalInterface
public interface Computed extends Serializable {

  /**
   * The parameter's value.
   *
   * @param configSoFar the configuration resolved so far (read-only)
   * @return the value
   */
  Object compute(Map<String, Object> configSoFar);
}
