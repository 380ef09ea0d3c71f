package dev.prism.runtime.dashboard;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.scheduler.FixedPoint;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The GCS's tables as JSON-ready maps and lists (Jackson writes them): the shapes of the
 * dashboard's API. Resource amounts are plain numbers (CPUs, GPUs, bytes for memory).
 */
public final class ClusterJson {

  private ClusterJson() {}

  /**
   * Returns a node as JSON.
   *
   * @param n the node
   * @return its fields
   */
  public static Map<String, Object> node(NodeInfo n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nodeId", n.getNodeId());
    m.put("address", n.getAddress().getHost() + ":" + n.getAddress().getPort());
    m.put("state", n.getAlive() ? "ALIVE" : "DEAD");
    m.put("deathReason", n.getDeathReason());
    m.put("labels", new TreeMap<>(n.getLabelsMap()));
    m.put("total", amounts(n.getTotal()));
    m.put("available", amounts(n.getAvailable()));
    List<String> infeasible = new ArrayList<>();
    n.getInfeasibleDemandsList().forEach(d -> infeasible.add(d.getReason()));
    m.put("infeasible", infeasible);
    return m;
  }

  /**
   * Returns an actor as JSON.
   *
   * @param a the actor
   * @return its fields
   */
  public static Map<String, Object> actor(ActorInfo a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("actorId", hex(a.getActorId()));
    m.put("className", a.getSpec().getClassName());
    m.put("name", a.getSpec().getName());
    m.put("namespace", a.getSpec().getNamespace());
    m.put("state", a.getState().name());
    m.put("nodeId", a.getNodeId());
    m.put("pid", a.getPid());
    m.put("restarts", a.getNumRestarts());
    m.put("deathCause", a.getDeathCause());
    m.put("pendingReason", a.getPendingReason());
    return m;
  }

  /**
   * Returns a placement group as JSON.
   *
   * @param g the group
   * @return its fields
   */
  public static Map<String, Object> placementGroup(PlacementGroupInfo g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("placementGroupId", hex(g.getPlacementGroupId()));
    m.put("name", g.getName());
    m.put("strategy", g.getStrategy().name());
    m.put("state", g.getState().name().replaceFirst("^PG_", ""));
    List<Map<String, Double>> bundles = new ArrayList<>();
    g.getBundlesList().forEach(b -> bundles.add(amounts(b)));
    m.put("bundles", bundles);
    m.put("bundleNodeIds", List.copyOf(g.getBundleNodeIdsList()));
    m.put("pendingReason", g.getPendingReason());
    return m;
  }

  /**
   * Returns the cluster's totals: nodes alive, resources total and available summed over them.
   *
   * @param nodes the nodes
   * @return the totals
   */
  public static Map<String, Object> totals(List<NodeInfo> nodes) {
    Map<String, Long> total = new TreeMap<>();
    Map<String, Long> available = new TreeMap<>();
    int alive = 0;
    for (NodeInfo n : nodes) {
      if (!n.getAlive()) {
        continue;
      }
      alive++;
      n.getTotal().getAmountsMap().forEach((k, v) -> total.merge(k, v, Long::sum));
      n.getAvailable().getAmountsMap().forEach((k, v) -> available.merge(k, v, Long::sum));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nodesAlive", alive);
    m.put("nodesDead", nodes.size() - alive);
    m.put("total", doubles(total));
    m.put("available", doubles(available));
    return m;
  }

  static Map<String, Double> amounts(ResourceAmounts a) {
    return doubles(new TreeMap<>(a.getAmountsMap()));
  }

  private static Map<String, Double> doubles(Map<String, Long> fixed) {
    Map<String, Double> m = new TreeMap<>();
    fixed.forEach((k, v) -> m.put(k, FixedPoint.toDouble(v)));
    return m;
  }

  static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }
}
