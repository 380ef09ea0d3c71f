package dev.prism.runtime.metrics;

import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.node.WorkerInfo;
import dev.prism.runtime.node.WorkerListener;
import dev.prism.store.StoreStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one node manager, tagged {@code node_id}: its resources (total and available, per
 * resource), its workers (by state), worker starts and deaths, leases granted, its object store
 * (capacity, use, objects, spilling, restores, evictions) and the bytes it pulled from other nodes.
 * Gauges read the node manager when scraped; nothing is added to its hot paths.
 */
public final class NodeMetrics {

  private NodeMetrics() {}

  /**
   * Registers a node manager's meters in the process's registry.
   *
   * @param node the node manager
   * @return the binding, to close when the node manager stops
   */
  public static Metrics.Binding bind(NodeManager node) {
    return bind(node, Metrics.registry());
  }

  static Metrics.Binding bind(NodeManager node, MeterRegistry registry) {
    Metrics.Binding b = new Metrics.Binding(registry);
    Tags tags = Tags.of("node_id", node.nodeId());
    for (String resource : node.totalResources().names()) {
      Tags rt = tags.and("resource", resource);
      b.add(
          Gauge.builder("prism_node_resource_capacity", node, n -> n.totalResources().get(resource))
              .description("Resources the node offers, per resource (CPU, GPU, memory, custom)")
              .tags(rt)
              .strongReference(true)
              .register(registry));
      b.add(
          Gauge.builder(
                  "prism_node_resource_available", node, n -> n.availableResources().get(resource))
              .description("Resources of the node not held by leases or bundles")
              .tags(rt)
              .strongReference(true)
              .register(registry));
    }
    for (WorkerInfo.State state : WorkerInfo.State.values()) {
      b.add(
          Gauge.builder(
                  "prism_workers",
                  node,
                  n -> n.workers().stream().filter(w -> w.state() == state).count())
              .description("Worker processes of the node by state")
              .tags(tags.and("state", state.name()))
              .strongReference(true)
              .register(registry));
    }
    Counter registered = counter(b, "prism_worker_starts_total", tags.and("outcome", "registered"));
    Counter failed = counter(b, "prism_worker_starts_total", tags.and("outcome", "failed"));
    Counter stopped = counter(b, "prism_worker_exits_total", tags.and("cause", "stopped"));
    Counter crashed = counter(b, "prism_worker_exits_total", tags.and("cause", "died"));
    node.addWorkerListener(
        new WorkerListener() {
          @Override
          public void workerRegistered(WorkerInfo worker) {
            registered.increment();
          }

          @Override
          public void workerStartFailed(WorkerInfo worker, String reason) {
            failed.increment();
          }

          @Override
          public void workerDied(WorkerInfo worker, int exitCode) {
            (worker.state() == WorkerInfo.State.STOPPING ? stopped : crashed).increment();
          }
        });
    b.add(
        FunctionCounter.builder("prism_leases_granted_total", node, NodeManager::leasesGranted)
            .description("Worker leases the node granted")
            .tags(tags)
            .register(registry));
    store(b, registry, node, tags, "prism_object_store_capacity_bytes", StoreStats::capacity);
    store(b, registry, node, tags, "prism_object_store_used_bytes", StoreStats::usedBytes);
    store(b, registry, node, tags, "prism_object_store_objects", StoreStats::objectCount);
    store(b, registry, node, tags, "prism_object_store_pinned_objects", StoreStats::pinnedCount);
    store(b, registry, node, tags, "prism_object_store_spilled_objects", StoreStats::spilledCount);
    store(b, registry, node, tags, "prism_object_store_spilled_bytes", StoreStats::spilledBytes);
    storeCounter(b, registry, node, tags, "prism_object_store_spills_total", StoreStats::spills);
    storeCounter(
        b, registry, node, tags, "prism_object_store_restores_total", StoreStats::restores);
    storeCounter(
        b, registry, node, tags, "prism_object_store_evictions_total", StoreStats::evictions);
    b.add(
        FunctionCounter.builder(
                "prism_object_transfer_received_bytes_total", node, NodeManager::bytesPulled)
            .description("Bytes of objects this node pulled from other nodes")
            .tags(tags)
            .register(registry));
    b.add(
        FunctionCounter.builder("prism_object_pulls_total", node, NodeManager::objectsPulled)
            .description("Objects this node pulled from other nodes")
            .tags(tags)
            .register(registry));
    return b;
  }

  private static Counter counter(Metrics.Binding b, String name, Tags tags) {
    return b.add(
        Counter.builder(name)
            .description(
                name.contains("starts")
                    ? "Worker processes that registered, or failed to start"
                    : "Worker processes that exited: stopped by the node, or died")
            .tags(tags)
            .register(b.registry()));
  }

  private static void store(
      Metrics.Binding b,
      MeterRegistry registry,
      NodeManager node,
      Tags tags,
      String name,
      ToDoubleFunction<StoreStats> f) {
    b.add(
        Gauge.builder(name, node, n -> f.applyAsDouble(n.store().stats()))
            .description("The node's object store: " + name.substring(19).replace('_', ' '))
            .tags(tags)
            .strongReference(true)
            .register(registry));
  }

  private static void storeCounter(
      Metrics.Binding b,
      MeterRegistry registry,
      NodeManager node,
      Tags tags,
      String name,
      ToDoubleFunction<StoreStats> f) {
    b.add(
        FunctionCounter.builder(name, node, n -> f.applyAsDouble(n.store().stats()))
            .description("The node's object store: " + name.substring(19).replace('_', ' '))
            .tags(tags)
            .register(registry));
  }
}
