package dev.prism.serve.internal;

import dev.prism.serve.ServeStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One deployment as the controller reconciles it: its spec, its replica target (fixed or from the
 * autoscaler), its replicas; each {@link #tick} moves the replicas one step towards the target:
 * starting, replacing unhealthy ones, rolling to a new version one replica at a time (a new one
 * running before an old one stops), stopping extra ones.
 */
final class DeploymentState {

  /** Consecutive start failures, with no replica of the version running, that fail a deploy. */
  static final int MAX_START_FAILURES = 3;

  /** What the controller does for a deployment. */
  interface Ops {
    ReplicaState start(DeploymentSpec spec);

    void stop(ReplicaState replica, long drainMillis);

    void probe(ReplicaState replica, DeploymentSpec spec, boolean health);

    void reconfigure(ReplicaState replica, Map<String, Object> userConfig);

    void routesChanged();
  }

  DeploymentSpec spec;
  int target;
  final List<ReplicaState> replicas = new ArrayList<>();
  boolean deleting;
  private int startFailures;
  private String failure = "";
  private String lastUnhealthy = "";
  private final ArrayDeque<long[]> samples = new ArrayDeque<>();
  private long upSince = -1;
  private long downSince = -1;

  DeploymentState(DeploymentSpec spec) {
    setSpec(spec);
  }

  void setSpec(DeploymentSpec next) {
    DeploymentSpec before = spec;
    spec = next;
    deleting = false;
    if (before == null || !next.version().equals(before.version())) {
      startFailures = 0;
      failure = "";
    }
    if (next.autoscaling() == null) {
      target = next.numReplicas();
    } else if (before == null || before.autoscaling() == null) {
      target = next.autoscaling().initial();
    } else {
      target = Math.clamp(target, next.autoscaling().min(), next.autoscaling().max());
    }
  }

  void delete() {
    deleting = true;
    target = 0;
  }

  boolean gone() {
    return deleting && replicas.isEmpty();
  }

  /** One step; {@code load} is the ongoing requests routers report for this deployment. */
  void tick(Ops ops, long now, double load) {
    collect(ops, now);
    if (!deleting) {
      autoscale(now, load);
    }
    reconcile(ops);
    for (ReplicaState r : replicas) {
      if (r.phase == ReplicaState.Phase.RUNNING && !r.probing) {
        boolean health =
            now - r.lastHealthNanos >= TimeUnit.MILLISECONDS.toNanos(spec.healthPeriodMillis());
        if (health || now - r.lastStatsNanos >= TimeUnit.MILLISECONDS.toNanos(1000)) {
          r.lastStatsNanos = now;
          if (health) {
            r.lastHealthNanos = now;
          }
          ops.probe(r, spec, health);
        }
        if (!spec.userConfig().equals(r.appliedUserConfig) && spec.version().equals(r.version)) {
          r.appliedUserConfig = spec.userConfig();
          r.reconfiguring = true;
          ops.reconfigure(r, spec.userConfig());
        }
      }
    }
  }

  /** Takes in what the probes found. */
  private void collect(Ops ops, long now) {
    for (ReplicaState r : new ArrayList<>(replicas)) {
      if (r.phase == ReplicaState.Phase.STARTING) {
        if (r.readyNode != null) {
          r.phase = ReplicaState.Phase.RUNNING;
          r.nodeId = r.readyNode;
          if (r.appliedUserConfig == null && spec.version().equals(r.version)) {
            // Taken over from a checkpoint: it runs the config of its time, the current one.
            r.appliedUserConfig = spec.userConfig();
          }
          r.lastHealthNanos = now;
          startFailures = 0;
          failure = "";
          ops.routesChanged();
        } else if (r.startError != null) {
          replicas.remove(r);
          startFailures++;
          failure = "replica " + r.id + " failed to start: " + r.startError;
          ops.stop(r, 0);
        }
      } else if (r.phase == ReplicaState.Phase.RUNNING) {
        ReplicaStats s = r.stats;
        if (s != null && !s.modelIds().equals(r.modelIds)) {
          r.modelIds = s.modelIds();
          ops.routesChanged();
        }
        if (r.unhealthy != null) {
          lastUnhealthy = "replica " + r.id + " was replaced: " + r.unhealthy;
          replicas.remove(r);
          ops.stop(r, 0);
          ops.routesChanged();
        }
      } else if (r.stopped) {
        replicas.remove(r);
      }
    }
  }

  private void reconcile(Ops ops) {
    boolean failed = startFailures >= MAX_START_FAILURES;
    List<ReplicaState> fresh = new ArrayList<>();
    List<ReplicaState> old = new ArrayList<>();
    for (ReplicaState r : replicas) {
      if (r.phase != ReplicaState.Phase.STOPPING) {
        (r.version.equals(spec.version()) ? fresh : old).add(r);
      }
    }
    long freshRunning = count(fresh, ReplicaState.Phase.RUNNING);
    long freshStarting = fresh.size() - freshRunning;
    if (!old.isEmpty()) {
      // Old starting replicas are of no use; stop them first.
      for (ReplicaState r : old) {
        if (r.phase == ReplicaState.Phase.STARTING) {
          stop(ops, r);
        }
      }
      long oldRunning = count(old, ReplicaState.Phase.RUNNING);
      if (!failed && fresh.size() < target && freshStarting == 0) {
        replicas.add(ops.start(spec));
      }
      // One old replica goes for each new one running, never below the target.
      long over = freshRunning + oldRunning - target;
      if (target == 0 || failed) {
        over = failed ? 0 : oldRunning;
      }
      for (ReplicaState r : old) {
        if (over <= 0) {
          break;
        }
        if (r.phase == ReplicaState.Phase.RUNNING) {
          stop(ops, r);
          over--;
        }
      }
      return;
    }
    if (fresh.size() < target && !failed) {
      for (long i = fresh.size(); i < target; i++) {
        replicas.add(ops.start(spec));
      }
    } else if (fresh.size() > target) {
      long extra = fresh.size() - target;
      // Starting ones first, then the running ones with the fewest requests.
      List<ReplicaState> order = new ArrayList<>(fresh);
      order.sort(
          (a, b) -> {
            if (a.phase != b.phase) {
              return a.phase == ReplicaState.Phase.STARTING ? -1 : 1;
            }
            return Integer.compare(ongoing(a), ongoing(b));
          });
      for (ReplicaState r : order) {
        if (extra-- <= 0) {
          break;
        }
        stop(ops, r);
      }
    }
  }

  private static int ongoing(ReplicaState r) {
    ReplicaStats s = r.stats;
    return s == null ? 0 : s.ongoing();
  }

  private void stop(Ops ops, ReplicaState r) {
    r.phase = ReplicaState.Phase.STOPPING;
    ops.routesChanged();
    ops.stop(r, spec.shutdownMillis());
  }

  private static long count(List<ReplicaState> rs, ReplicaState.Phase phase) {
    return rs.stream().filter(r -> r.phase == phase).count();
  }

  /** Ray Serve's default policy: the average load over the window over the target per replica. */
  private void autoscale(long now, double load) {
    DeploymentSpec.AutoscalingSpec a = spec.autoscaling();
    if (a == null) {
      return;
    }
    samples.addLast(new long[] {now, Math.round(load * 1000)});
    long window = TimeUnit.MILLISECONDS.toNanos(a.lookBackMillis());
    while (!samples.isEmpty() && now - samples.peekFirst()[0] > window) {
      samples.removeFirst();
    }
    double sum = 0;
    for (long[] s : samples) {
      sum += s[1] / 1000.0;
    }
    double avg = samples.isEmpty() ? 0 : sum / samples.size();
    int desired = (int) Math.ceil(avg / a.target() - 1e-9);
    desired = Math.clamp(desired, a.min(), a.max());
    if (target == 0 && load > 0) {
      desired = Math.max(desired, Math.min(1, a.max()));
      target = desired;
      upSince = -1;
      return;
    }
    if (desired > target) {
      downSince = -1;
      if (upSince < 0) {
        upSince = now;
      }
      if (now - upSince >= TimeUnit.MILLISECONDS.toNanos(a.upscaleMillis())) {
        target = desired;
        upSince = -1;
      }
    } else if (desired < target) {
      upSince = -1;
      if (downSince < 0) {
        downSince = now;
      }
      if (now - downSince >= TimeUnit.MILLISECONDS.toNanos(a.downscaleMillis())) {
        target = desired;
        downSince = -1;
      }
    } else {
      upSince = -1;
      downSince = -1;
    }
  }

  List<RouteTable.ReplicaRoute> routes() {
    List<RouteTable.ReplicaRoute> out = new ArrayList<>();
    for (ReplicaState r : replicas) {
      if (r.phase == ReplicaState.Phase.RUNNING) {
        out.add(r.route());
      }
    }
    return out;
  }

  /**
   * Whether the deployment has reached its spec: its target of running replicas, all new, all with
   * the user config applied.
   */
  boolean settled() {
    long fresh = 0;
    for (ReplicaState r : replicas) {
      if (r.phase != ReplicaState.Phase.STOPPING) {
        if (!r.version.equals(spec.version())
            || r.phase != ReplicaState.Phase.RUNNING
            || r.reconfiguring
            || r.unhealthy != null
            || !spec.userConfig().equals(r.appliedUserConfig)) {
          return false;
        }
        fresh++;
      }
    }
    return fresh == target;
  }

  boolean failed() {
    return startFailures >= MAX_START_FAILURES;
  }

  String failure() {
    return failure;
  }

  ServeStatus.DeploymentStatus status() {
    List<ServeStatus.Replica> rs = new ArrayList<>();
    long running = 0;
    for (ReplicaState r : replicas) {
      rs.add(new ServeStatus.Replica(r.id, r.phase.name(), r.nodeId, r.version));
      if (r.phase == ReplicaState.Phase.RUNNING) {
        running++;
      }
    }
    String status;
    String message = "";
    if (failed()) {
      status = "DEPLOY_FAILED";
      message = failure;
    } else if (replicas.stream().anyMatch(r -> !r.version.equals(spec.version()))) {
      status = "UPDATING";
    } else if (running < target) {
      status = startFailures > 0 ? "UNHEALTHY" : "UPSCALING";
      message = startFailures > 0 ? failure : "";
    } else if (running > target) {
      status = "DOWNSCALING";
    } else {
      status = "HEALTHY";
      message = lastUnhealthy;
    }
    return new ServeStatus.DeploymentStatus(spec.name(), status, message, target, rs);
  }
}
