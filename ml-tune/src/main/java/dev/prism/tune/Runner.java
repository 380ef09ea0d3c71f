package dev.prism.tune;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import dev.prism.tune.internal.TrialRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One slot of the sweep: a placement group of one bundle with a trial's resources and, once it is
 * placed, the runner actor in it. Trials run on it one after another; a runner that dies is
 * replaced in the same bundle.
 */
final class Runner {
  final int index;
  private final Map<String, Double> resources;
  final PlacementGroup group;
  ActorHandle<TrialRunner> actor;
  Trial trial;
  ObjectRef<String> start;

  Runner(int index, Map<String, Double> resources) {
    this.index = index;
    this.resources = resources;
    this.group = PlacementGroups.create(List.of(resources), PlacementStrategy.PACK);
  }

  /** Whether the bundle is placed and the actor made; makes the actor on first success. */
  boolean ready() {
    if (actor != null) {
      return true;
    }
    if (!group.waitUntilReady(Duration.ZERO)) {
      String reason = group.pendingReason();
      if (reason != null && reason.startsWith("infeasible")) {
        throw new TuneException(
            "no trial can run: a trial's resources " + resources + " fit no node (" + reason + ")");
      }
      return false;
    }
    spawn();
    return true;
  }

  /** Makes a (new) runner actor in the bundle. */
  void spawn() {
    actor =
        Prism.actor(TrialRunner::new)
            .setPlacementGroup(group, 0)
            .setResources(resources)
            .setMaxConcurrency(4)
            .remote();
  }

  /** Replaces a runner that died or hangs. */
  void replace() {
    kill();
    spawn();
  }

  void close() {
    kill();
    try {
      PlacementGroups.remove(group);
    } catch (RuntimeException gone) {
      // the cluster is going away
    }
  }

  private void kill() {
    if (actor != null) {
      try {
        Prism.kill(actor);
      } catch (RuntimeException gone) {
        // already dead
      }
    }
  }
}
