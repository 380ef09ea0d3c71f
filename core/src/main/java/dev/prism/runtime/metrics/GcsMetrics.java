package dev.prism.runtime.metrics;

import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementGroupState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The head's cluster-wide meters, read from the GCS's tables when scraped: nodes (alive, dead),
 * actors by state and their restarts, placement groups by state.
 */
public final class GcsMetrics {

  private GcsMetrics() {}

  /**
   * Registers a GCS's meters in the process's registry.
   *
   * @param gcs the GCS
   * @return the binding, to close when the GCS stops
   */
  public static Metrics.Binding bind(GcsServer gcs) {
    return bind(gcs, Metrics.registry());
  }

  static Metrics.Binding bind(GcsServer gcs, MeterRegistry registry) {
    Metrics.Binding b = new Metrics.Binding(registry);
    for (boolean alive : new boolean[] {true, false}) {
      b.add(
          Gauge.builder(
                  "prism_nodes",
                  gcs,
                  g -> g.nodes().stream().filter(n -> n.getAlive() == alive).count())
              .description("Nodes the GCS knows, alive or dead")
              .tags(Tags.of("state", alive ? "ALIVE" : "DEAD"))
              .strongReference(true)
              .register(registry));
    }
    for (ActorState state : ActorState.values()) {
      if (state == ActorState.UNRECOGNIZED) {
        continue;
      }
      b.add(
          Gauge.builder(
                  "prism_actors",
                  gcs,
                  g -> g.actors().stream().filter(a -> a.getState() == state).count())
              .description("Actors by state")
              .tags(Tags.of("state", state.name()))
              .strongReference(true)
              .register(registry));
    }
    b.add(
        Gauge.builder(
                "prism_actor_restarts",
                gcs,
                g -> g.actors().stream().mapToLong(ActorInfo::getNumRestarts).sum())
            .description("Restarts of the actors the GCS keeps (summed over actors)")
            .strongReference(true)
            .register(registry));
    for (PlacementGroupState state : PlacementGroupState.values()) {
      if (state == PlacementGroupState.UNRECOGNIZED) {
        continue;
      }
      b.add(
          Gauge.builder(
                  "prism_placement_groups",
                  gcs,
                  g ->
                      g.placementGroups().stream()
                          .map(PlacementGroupInfo::getState)
                          .filter(s -> s == state)
                          .count())
              .description("Placement groups by state")
              .tags(Tags.of("state", state.name()))
              .strongReference(true)
              .register(registry));
    }
    return b;
  }
}
