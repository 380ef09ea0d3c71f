/**
 * Metrics of a Prism node process, through Micrometer, exported in the Prometheus text format by
 * the node's HTTP server at {@code /metrics}: {@link dev.prism.runtime.metrics.NodeMetrics} (a node
 * manager's workers, leases, resources, object store and transfers), {@link
 * dev.prism.runtime.metrics.GcsMetrics} (the head's nodes, actors, placement groups, tasks and
 * jobs), {@link dev.prism.runtime.metrics.RpcMetrics} (latency of every gRPC method a server
 * answers), {@link dev.prism.runtime.metrics.ReportedMetrics} (what the node's drivers and workers
 * recorded through {@code dev.prism.metrics}, sent by their {@link
 * dev.prism.runtime.metrics.MetricsExporter}), plus the JVM's own. Prism's own names start with
 * {@code prism_}; docs/metrics.md lists them.
 */
package dev.prism.runtime.metrics;
