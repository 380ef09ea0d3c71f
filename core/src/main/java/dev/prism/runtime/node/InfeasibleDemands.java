package dev.prism.runtime.node;

import dev.prism.runtime.rpc.InfeasibleDemand;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lease requests this node answered infeasible recently, by resource shape and label selector,
 * for the GCS (and so {@code prism status}) to show what waits for a node that can run it.
 * Submitters retry an infeasible request every second or so while their tasks or actors wait, so a
 * shape is listed while some submitter asked for it within the {@link #WINDOW}, and dropped at once
 * when a request of that shape is no longer infeasible (a node that fits it joined). Thread safe.
 */
final class InfeasibleDemands {

  /** How long a submitter's infeasible request counts after it was answered. */
  static final Duration WINDOW = Duration.ofSeconds(10);

  private static final class Shape {
    final Map<String, Long> lastAsked = new HashMap<>();
    String reason;
  }

  /** A shape: the resources, and the label selector (empty for none) they were asked with. */
  private record Key(ResourceAmounts resources, Map<String, String> labelSelector) {
    static Key of(LeaseRequest request) {
      return new Key(request.getResources(), request.getStrategy().getLabelSelectorMap());
    }
  }

  private final Map<Key, Shape> shapes = new LinkedHashMap<>();

  /**
   * Records an infeasible answer.
   *
   * @return true when the shape was not listed before (worth reporting soon)
   */
  synchronized boolean record(LeaseRequest request, String reason, long nowNanos) {
    Key key = Key.of(request);
    Shape s = shapes.get(key);
    boolean added = s == null;
    if (added) {
      s = new Shape();
      shapes.put(key, s);
    }
    s.reason = reason;
    var submitter = request.getSubmitter();
    s.lastAsked.put(
        submitter.getHost() + ":" + submitter.getPort() + "/" + submitter.getWorkerId(), nowNanos);
    return added;
  }

  /**
   * A request of this shape (resources and label selector) was decided otherwise (granted, queued
   * or spilled): it is feasible.
   *
   * @return true when the shape was listed
   */
  synchronized boolean clear(LeaseRequest request) {
    return !shapes.isEmpty() && shapes.remove(Key.of(request)) != null;
  }

  /** The shapes asked for within the window, oldest shape first. */
  synchronized List<InfeasibleDemand> current(long nowNanos) {
    List<InfeasibleDemand> out = new ArrayList<>();
    var it = shapes.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      e.getValue().lastAsked.values().removeIf(t -> nowNanos - t > WINDOW.toNanos());
      if (e.getValue().lastAsked.isEmpty()) {
        it.remove();
        continue;
      }
      out.add(
          InfeasibleDemand.newBuilder()
              .setResources(e.getKey().resources())
              .putAllLabelSelector(e.getKey().labelSelector())
              .setSubmitters(e.getValue().lastAsked.size())
              .setReason(e.getValue().reason)
              .build());
    }
    return out;
  }
}
