package dev.prism.serve.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A proxy's metrics, in Prometheus form at {@code /-/metrics}: {@code
 * prism_serve_requests_total{application,route,code}}, {@code
 * prism_serve_request_latency_seconds{application,route}} (a histogram), and per deployment {@code
 * prism_serve_replicas}, {@code prism_serve_queued_requests} and {@code
 * prism_serve_ongoing_requests} as this proxy's router sees them.
 */
public final class ServeMetrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Boolean> gauged = new ConcurrentHashMap<>();
  private final ServeClient client;

  /**
   * Creates the metrics of one proxy.
   *
   * @param client the proxy's client, whose routers the gauges read
   */
  public ServeMetrics(ServeClient client) {
    this.client = client;
  }

  /**
   * Counts a request.
   *
   * @param app its application, empty for none
   * @param route its route prefix or built-in route
   * @param status the status answered
   * @param nanos how long it took
   */
  public void record(String app, String route, int status, long nanos) {
    String key = app + '\0' + route + '\0' + status;
    counters
        .computeIfAbsent(
            key,
            k ->
                Counter.builder("prism_serve_requests")
                    .description("HTTP requests answered by the proxy")
                    .tag("application", app)
                    .tag("route", route)
                    .tag("code", Integer.toString(status))
                    .register(registry))
        .increment();
    timers
        .computeIfAbsent(
            app + '\0' + route,
            k ->
                Timer.builder("prism_serve_request_latency")
                    .description("time from request to response in the proxy")
                    .tag("application", app)
                    .tag("route", route)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(60))
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The metrics in Prometheus' text format.
   *
   * @param table the route table, for per-deployment gauges
   * @return the text
   */
  public String scrape(RouteTable table) {
    for (String key : table.deployments().keySet()) {
      if (gauged.putIfAbsent(key, Boolean.TRUE) == null) {
        Gauge.builder(
                "prism_serve_replicas",
                client,
                c -> {
                  RouteTable.DeploymentRoute d = c.table().deployments().get(key);
                  return d == null ? 0 : d.replicas().size();
                })
            .description("running replicas of the deployment")
            .tag("deployment", key)
            .register(registry);
        Gauge.builder("prism_serve_queued_requests", client, c -> c.router(key).queued())
            .description("requests waiting for a replica in this proxy")
            .tag("deployment", key)
            .register(registry);
        Gauge.builder(
                "prism_serve_ongoing_requests",
                client,
                c -> c.router(key).load() - c.router(key).queued())
            .description("requests this proxy has in flight on replicas")
            .tag("deployment", key)
            .register(registry);
      }
    }
    return registry.scrape();
  }
}
