/**
 * Metrics that user and library code records in any Prism process (driver, task, actor), like Ray's
 * {@code ray.util.metrics}: {@link dev.prism.metrics.Counter}, {@link dev.prism.metrics.Gauge} and
 * {@link dev.prism.metrics.Histogram}, each with a name, a description and tag keys whose values
 * are given with every recorded value, in the keys' order.
 *
 * <pre>{@code
 * Counter requests = Counter.builder("myapp_requests_total")
 *     .description("requests answered").tagKeys("route", "code").build();
 * Histogram latency = Histogram.builder("myapp_latency_seconds")
 *     .boundaries(0.01, 0.1, 1).tagKeys("route").build();
 * requests.inc("/predict", "200");
 * latency.observe(0.042, "/predict");
 * }</pre>
 *
 * <p><b>Where values go.</b> A process aggregates what it records and sends it about every second
 * (and once more at {@code Prism.shutdown()} or when its worker stops) to the node manager of its
 * node: a driver to the node it is attached to. Every node of a started cluster ({@code prism
 * start}) exports them on its {@code /metrics} endpoint (Prometheus text format) with the tags
 * given plus {@code node_id} (the node) and {@code job_id} (the job whose task, actor or driver
 * recorded them; empty outside jobs). There is no worker or process label: values of all processes
 * of a node with the same tags add up (counters, histograms) or take the latest value (gauges), so
 * a series count does not grow with worker restarts. In an embedded cluster ({@code Prism.init()}
 * without an address) recording works the same and the values reach the embedded node, which has no
 * HTTP endpoint: they are not exported.
 *
 * <p><b>Cost.</b> Nothing runs until the first metric is built; then one daemon thread per process
 * sends reports. Recording is lock-free for counters and histograms (adders per series). Keep tag
 * values few: a metric keeps at most 10,000 series per process and drops values of further tag
 * combinations (with one warning).
 *
 * <p>Names follow Prometheus: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}; only a counter's name may end in
 * {@code _total} (one is added on export when it does not), and names ending in {@code _bucket},
 * {@code _count}, {@code _sum}, {@code _created} or {@code _info} are refused. Tag keys are {@code
 * [a-zA-Z_][a-zA-Z0-9_]*}, not {@code node_id}, {@code job_id}, {@code le} or {@code quantile}.
 * Building a metric whose name this process already defined returns an equal metric when kind, tag
 * keys (and boundaries) match, and fails otherwise. A node exports a name only with one kind and
 * set of tags: a report that conflicts with what it exports (such as a name of Prism's own metrics)
 * is refused and the reporting process logs a warning once.
 */
package dev.prism.metrics;
