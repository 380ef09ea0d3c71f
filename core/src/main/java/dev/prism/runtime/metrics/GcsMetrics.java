package dev.prism.runtime.metrics;

import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.job.JobManager;
import dev.prism.runtime.job.JobState;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementGroupState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * The head's cluster-wide meters, read from the GCS's tables when scraped: nodes (alive, dead),
 * actors by state and their restarts, placement groups by state, tasks (from task events:
 * submitted, ended by how, held by state, dropped), and submitted jobs by state.
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
    b.add(
        FunctionCounter.builder("prism_tasks_submitted_total", gcs, g -> g.taskCounts().submitted())
            .description("Task attempts submitted (from task events)")
            .register(registry));
    for (String state : List.of("FINISHED", "FAILED", "CANCELLED")) {
      b.add(
          FunctionCounter.builder(
                  "prism_tasks_ended_total",
                  gcs,
                  g -> g.taskCounts().ended().getOrDefault(state, 0L))
              .description("Task attempts that ended, by how (from task events)")
              .tags(Tags.of("state", state))
              .register(registry));
    }
    for (String state : List.of("SUBMITTED", "RUNNING", "FINISHED", "FAILED", "CANCELLED")) {
      b.add(
          Gauge.builder("prism_tasks", gcs, g -> g.taskCounts().held().getOrDefault(state, 0L))
              .description("Task attempts the GCS keeps, by state (SUBMITTED and RUNNING: now)")
              .tags(Tags.of("state", state))
              .strongReference(true)
              .register(registry));
    }
    b.add(
        FunctionCounter.builder("prism_tasks_dropped_total", gcs, g -> g.taskCounts().dropped())
            .description("Task attempts dropped from the GCS's bounded task store")
            .register(registry));
    return b;
  }

  /**
   * Registers the meters of a head's job manager: jobs by state.
   *
   * @param jobs the job manager
   * @return the binding, to close when the head stops
   */
  public static Metrics.Binding bindJobs(JobManager jobs) {
    MeterRegistry registry = Metrics.registry();
    Metrics.Binding b = new Metrics.Binding(registry);
    for (JobState state : JobState.values()) {
      b.add(
          Gauge.builder(
                  "prism_jobs",
                  jobs,
                  j -> j.list().stream().filter(s -> s.state() == state).count())
              .description("Submitted jobs by state")
              .tags(Tags.of("state", state.name()))
              .strongReference(true)
              .register(registry));
    }
    return b;
  }
}
