package dev.prism.serve.internal;

import dev.prism.metrics.Counter;
import dev.prism.metrics.Gauge;
import dev.prism.metrics.Histogram;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Serve's metrics, recorded through {@code dev.prism.metrics} and exported by the node of the
 * process that records them (docs/metrics.md): the proxies count requests ({@code
 * prism_serve_requests_total{application,route,code}}) and time them ({@code
 * prism_serve_request_latency_seconds{application,route}}); the controller sets per deployment
 * {@code prism_serve_replicas{application,deployment,state}}, {@code
 * prism_serve_target_replicas{application,deployment}} and {@code
 * prism_serve_ongoing_requests{application,deployment}} (requests in flight or queued in all
 * routers, as they last reported). The metrics are defined when this class loads: only in a proxy
 * or the controller.
 */
final class ServeMetrics {

  private static final Counter REQUESTS =
      Counter.builder("prism_serve_requests_total")
          .description("HTTP requests the Serve proxies answered")
          .tagKeys("application", "route", "code")
          .build();
  private static final Histogram LATENCY =
      Histogram.builder("prism_serve_request_latency_seconds")
          .description("time from request to response in the Serve proxy")
          .boundaries(
              0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
          .tagKeys("application", "route")
          .build();
  private static final Gauge REPLICAS =
      Gauge.builder("prism_serve_replicas")
          .description("replicas of a Serve deployment by state (STARTING, RUNNING, STOPPING)")
          .tagKeys("application", "deployment", "state")
          .build();
  private static final Gauge TARGET =
      Gauge.builder("prism_serve_target_replicas")
          .description("replicas a Serve deployment should have now (autoscaling moves it)")
          .tagKeys("application", "deployment")
          .build();
  private static final Gauge ONGOING =
      Gauge.builder("prism_serve_ongoing_requests")
          .description("requests in flight or queued for a Serve deployment, in all routers")
          .tagKeys("application", "deployment")
          .build();
  private static final String[] STATES = {"STARTING", "RUNNING", "STOPPING"};

  /** The deployments the controller set gauges for: zeroed once they are gone. */
  private static final Set<Map.Entry<String, String>> SHOWN = new HashSet<>();

  private ServeMetrics() {}

  /**
   * Counts and times a request the proxy answered.
   *
   * @param app its application, empty for none
   * @param route its route prefix or built-in route
   * @param status the status answered
   * @param nanos how long it took
   */
  static void request(String app, String route, int status, long nanos) {
    REQUESTS.inc(app, route, Integer.toString(status));
    LATENCY.observe(nanos / 1e9, app, route);
  }

  /**
   * The state of one deployment, set by the controller on every step.
   *
   * @param app its application
   * @param deployment its name
   * @param replicasByState its replicas per state
   * @param target the replicas it should have
   * @param ongoing requests in flight or queued, as routers report them
   */
  static void deployment(
      String app,
      String deployment,
      Map<String, Integer> replicasByState,
      int target,
      double ongoing) {
    synchronized (SHOWN) {
      SHOWN.add(Map.entry(app, deployment));
    }
    for (String s : STATES) {
      REPLICAS.set(replicasByState.getOrDefault(s, 0), app, deployment, s);
    }
    TARGET.set(target, app, deployment);
    ONGOING.set(ongoing, app, deployment);
  }

  /**
   * Zeroes the gauges of deployments that are gone.
   *
   * @param present the (application, deployment) pairs that exist
   */
  static void retain(Set<Map.Entry<String, String>> present) {
    synchronized (SHOWN) {
      for (Map.Entry<String, String> d : SHOWN) {
        if (!present.contains(d)) {
          deployment(d.getKey(), d.getValue(), Map.of(), 0, 0);
        }
      }
      SHOWN.retainAll(present);
    }
  }
}
