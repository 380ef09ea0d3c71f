package dev.prism.serve.internal;

import dev.prism.ActorHandle;
import java.util.List;

/** The controller's view of one replica; async probes leave their results in volatile fields. */
final class ReplicaState {

  enum Phase {
    STARTING,
    RUNNING,
    STOPPING
  }

  final String id;
  final String actorName;
  final String version;
  final ActorHandle<ReplicaActor> actor;
  final long startedNanos = System.nanoTime();
  Phase phase = Phase.STARTING;
  String nodeId = "";
  List<String> modelIds = List.of();
  Object appliedUserConfig;

  /** Whether a reconfigure call is in flight. */
  volatile boolean reconfiguring;

  /** Set by the start probe: the node, once the constructor ran. */
  volatile String readyNode;

  /** Set by the start probe: why the replica could not start. */
  volatile String startError;

  /** Whether a health or stats probe is in flight. */
  volatile boolean probing;

  long lastHealthNanos = System.nanoTime();
  long lastStatsNanos;

  /** Set by a probe: why the replica is unhealthy (dead, failing check, too slow). */
  volatile String unhealthy;

  /** Set by a stats probe. */
  volatile ReplicaStats stats;

  /** Set once a stopping replica is drained and killed. */
  volatile boolean stopped;

  ReplicaState(String id, String actorName, String version, ActorHandle<ReplicaActor> actor) {
    this.id = id;
    this.actorName = actorName;
    this.version = version;
    this.actor = actor;
  }

  RouteTable.ReplicaRoute route() {
    return new RouteTable.ReplicaRoute(id, actor, nodeId, modelIds);
  }
}
