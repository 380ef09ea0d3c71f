package dev.prism.runtime.node;

import dev.prism.runtime.rpc.BundleProto;
import dev.prism.scheduler.BundleId;
import dev.prism.scheduler.NodeResources;
import dev.prism.scheduler.ResourceRequest;
import dev.prism.scheduler.SchedulerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of placement-group reservations (two-phase, driven by the GCS): bundles are
 * prepared all or none, committed, and returned; returning one refuses the leases waiting for it
 * and kills the workers leased inside it. Works on the {@link LeaseScheduler}'s state, under its
 * monitor.
 */
final class BundleReservations {

  private static final Logger LOG = LoggerFactory.getLogger(BundleReservations.class);

  private final LeaseScheduler s;

  BundleReservations(LeaseScheduler scheduler) {
    this.s = scheduler;
  }

  /**
   * Phase one: reserves the bundles here, all or none. Already prepared ones are kept (idempotent).
   * Returns null when prepared, else why not.
   */
  String prepare(List<BundleProto> bundles) {
    List<BundleId> done = new ArrayList<>();
    synchronized (s) {
      if (s.isClosed()) {
        return "node " + s.localNodeId() + " is shutting down";
      }
      try {
        for (BundleProto p : bundles) {
          BundleId b =
              new BundleId(LeaseDecider.groupId(p.getPlacementGroupId()), p.getBundleIndex());
          if (s.localResources().bundleState(b).isPresent()) {
            continue;
          }
          ResourceRequest r = ResourceRequest.of(Protos.fromProto(p.getResources()));
          if (!s.localResources().tryPrepareBundle(b, r)) {
            done.forEach(s.localResources()::returnBundle);
            return "node "
                + s.localNodeId()
                + " cannot reserve bundle "
                + b
                + " "
                + r.resources()
                + " now: available "
                + s.localResources().available();
          }
          done.add(b);
        }
      } catch (SchedulerException e) {
        done.forEach(s.localResources()::returnBundle);
        return e.getMessage();
      }
    }
    s.resourcesChanged();
    return null;
  }

  /** Phase two: makes prepared bundles usable. Returns null when committed, else why not. */
  String commit(List<BundleProto> bundles) {
    List<Runnable> after = new ArrayList<>();
    synchronized (s) {
      for (BundleProto p : bundles) {
        BundleId b =
            new BundleId(LeaseDecider.groupId(p.getPlacementGroupId()), p.getBundleIndex());
        Optional<NodeResources.BundleState> state = s.localResources().bundleState(b);
        if (state.isEmpty()) {
          return "bundle " + b + " is not prepared on node " + s.localNodeId();
        }
        if (state.get() == NodeResources.BundleState.PREPARED) {
          s.localResources().commitBundle(b);
        }
      }
      s.dispatchLeases(after);
    }
    LeaseScheduler.runAll(after);
    return null;
  }

  /**
   * Cancels or removes bundles here: their resources come back, leases waiting for them are
   * refused, and workers leased inside them are killed (as Ray does for a removed group).
   */
  void release(List<BundleProto> bundles, String reason) {
    List<Runnable> after = new ArrayList<>();
    synchronized (s) {
      java.util.Set<BundleId> gone = new java.util.HashSet<>();
      for (BundleProto p : bundles) {
        BundleId b =
            new BundleId(LeaseDecider.groupId(p.getPlacementGroupId()), p.getBundleIndex());
        s.localResources().returnBundle(b);
        gone.add(b);
      }
      String why = reason.isBlank() ? "its placement group bundle was returned" : reason;
      for (Lease l : s.allLeases()) {
        if (l.bundle == null) {
          continue;
        }
        boolean inside = l.grant != null && l.grant.bundle().map(gone::contains).orElse(false);
        if (l.state == Lease.State.GRANTED && inside) {
          WorkerHandle w = l.worker;
          s.forgetLease(l);
          LOG.info(
              "placement group bundle of lease {} returned ({}); killing its {}",
              l.hexId(),
              why,
              w);
          s.retireWorker(w, after, "killed: " + why);
        } else if (l.state != Lease.State.GRANTED
            && (inside || !hasBundle(l.bundle))
            && s.abandonLease(l)) {
          after.add(() -> l.reject(why));
        }
      }
      s.dispatchLeases(after);
    }
    LeaseScheduler.runAll(after);
    s.resourcesChanged();
  }

  private boolean hasBundle(BundleId b) {
    for (BundleId held : s.localResources().bundleIds()) {
      if (held.group().equals(b.group()) && (b.index() == BundleId.ANY || held.equals(b))) {
        return true;
      }
    }
    return false;
  }
}
