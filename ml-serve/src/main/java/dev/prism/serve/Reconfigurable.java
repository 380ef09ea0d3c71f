package dev.prism.serve;

import java.util.Map;

/**
 * A deployment class that takes a user config (Ray Serve's {@code reconfigure}): called after the
 * constructor with the deployment's {@code userConfig}, and again on every running replica, without
 * restarting it, when only the user config changes.
 */
@FunctionalInterface
public interface Reconfigurable {

  /**
   * Applies a user config.
   *
   * @param userConfig the config (JSON-like values: strings, numbers, booleans, lists, maps)
   * @throws Exception when the config is refused: the replica is then reported unhealthy
   */
  void reconfigure(Map<String, Object> userConfig) throws Exception;
}
