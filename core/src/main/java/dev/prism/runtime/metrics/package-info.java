/**
 * Metrics of a Prism node process, through Micrometer, exported in the Prometheus text format by
 * the node's HTTP server at {@code /metrics}: {@link dev.prism.runtime.metrics.NodeMetrics} (a node
 * manager's workers, leases, resources, object store and transfers), {@link
 * dev.prism.runtime.metrics.GcsMetrics} (the head's nodes, actors, placement groups, tasks and
 * jobs), {@link dev.prism.runtime.metrics.RpcMetrics} (latency of every gRPC method a server
 * answers), plus the JVM's own. Names start with {@code prism_}; docs/metrics.md lists them.
 */
package dev.prism.runtime.metrics;
