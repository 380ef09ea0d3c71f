package dev.prism.runtime.cli;

import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.InfeasibleDemand;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementGroupState;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.scheduler.FixedPoint;
import dev.prism.scheduler.Resources;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@code prism status} prints, from the GCS's tables: the nodes (id, address, alive or dead
 * with the reason, resources used / total), the cluster's resources (used / total over alive
 * nodes), the infeasible demands (resource shapes that tasks or actors wait for and no node can
 * ever fit, as the nodes reported them), and the actors (id, class, name, state, node, restarts,
 * death cause). A pure function of the tables, so it is tested without a cluster.
 */
final class StatusReport {

  private StatusReport() {}

  /**
   * Renders the report.
   *
   * @param address the GCS's address
   * @param nodes every node the GCS knows, alive and dead
   * @param actors every actor the GCS knows
   * @param groups every placement group the GCS knows
   * @return the text, ending with a newline
   */
  static String render(
      String address,
      List<NodeInfo> nodes,
      List<ActorInfo> actors,
      List<PlacementGroupInfo> groups) {
    StringBuilder out = new StringBuilder();
    out.append("Prism cluster at ").append(address).append("\n\n");
    nodesSection(out, nodes);
    out.append('\n');
    resourcesSection(out, nodes);
    out.append('\n');
    infeasibleSection(out, nodes);
    out.append('\n');
    actorsSection(out, actors);
    out.append('\n');
    placementGroupsSection(out, groups);
    return out.toString();
  }

  /**
   * The resource shapes that tasks or actors wait for and no node can ever fit, as the alive nodes
   * reported them (a shape asked of several nodes is one row).
   */
  private static void infeasibleSection(StringBuilder out, List<NodeInfo> nodes) {
    Map<String, List<InfeasibleDemand>> byShape = new java.util.LinkedHashMap<>();
    Map<String, List<String>> askedOf = new java.util.LinkedHashMap<>();
    for (NodeInfo n : nodes) {
      if (!n.getAlive()) {
        continue;
      }
      for (InfeasibleDemand d : n.getInfeasibleDemandsList()) {
        String shape = shape(d);
        byShape.computeIfAbsent(shape, k -> new ArrayList<>()).add(d);
        askedOf.computeIfAbsent(shape, k -> new ArrayList<>()).add(n.getNodeId());
      }
    }
    out.append("Infeasible demands (no node can run them; they wait for one that can): ")
        .append(byShape.size())
        .append('\n');
    if (byShape.isEmpty()) {
      out.append("  (none)\n");
      return;
    }
    Table t = new Table("RESOURCES", "SUBMITTERS", "ASKED OF NODE", "REASON");
    byShape.forEach(
        (shape, demands) -> {
          int submitters = demands.stream().mapToInt(InfeasibleDemand::getSubmitters).sum();
          t.row(
              shape,
              Integer.toString(submitters),
              String.join(", ", askedOf.get(shape)),
              oneLine(demands.getLast().getReason()));
        });
    t.appendTo(out);
  }

  /** A demand's resources, and its label selector when it has one: {@code {CPU 1} on {k=v}}. */
  private static String shape(InfeasibleDemand d) {
    ResourceAmounts shape = d.getResources();
    List<String> parts = new ArrayList<>();
    for (String name : ordered(shape.getAmountsMap().keySet())) {
      parts.add(name + " " + amount(name, shape.getAmountsMap().get(name)));
    }
    String text = "{" + String.join(", ", parts) + "}";
    return d.getLabelSelectorCount() == 0
        ? text
        : text + " on " + new java.util.TreeMap<>(d.getLabelSelectorMap());
  }

  private static void nodesSection(StringBuilder out, List<NodeInfo> nodes) {
    long alive = nodes.stream().filter(NodeInfo::getAlive).count();
    out.append("Nodes: ")
        .append(alive)
        .append(" alive, ")
        .append(nodes.size() - alive)
        .append(" dead\n");
    if (nodes.isEmpty()) {
      out.append("  (none)\n");
      return;
    }
    Table t = new Table("NODE ID", "ADDRESS", "STATE", "RESOURCES (used / total)");
    for (NodeInfo n : nodes) {
      String state =
          n.getAlive()
              ? "alive"
              : "dead" + (n.getDeathReason().isEmpty() ? "" : ": " + n.getDeathReason());
      t.row(
          n.getNodeId(),
          n.getAddress().getHost() + ":" + n.getAddress().getPort(),
          state,
          String.join(
              ", ", usage(n.getTotal().getAmountsMap(), used(n.getTotal(), n.getAvailable()))));
    }
    t.appendTo(out);
  }

  private static void resourcesSection(StringBuilder out, List<NodeInfo> nodes) {
    out.append("Resources (alive nodes, used / total):\n");
    Map<String, Long> total = new TreeMap<>();
    Map<String, Long> used = new TreeMap<>();
    for (NodeInfo n : nodes) {
      if (n.getAlive()) {
        n.getTotal().getAmountsMap().forEach((k, v) -> total.merge(k, v, Long::sum));
        used(n.getTotal(), n.getAvailable()).forEach((k, v) -> used.merge(k, v, Long::sum));
      }
    }
    if (total.isEmpty()) {
      out.append("  (none)\n");
      return;
    }
    Table t = new Table("RESOURCE", "USED / TOTAL");
    for (String name : ordered(total.keySet())) {
      t.row(
          name, amount(name, used.getOrDefault(name, 0L)) + " / " + amount(name, total.get(name)));
    }
    t.appendTo(out);
  }

  private static void actorsSection(StringBuilder out, List<ActorInfo> actors) {
    long alive = actors.stream().filter(a -> a.getState() == ActorState.ALIVE).count();
    out.append("Actors: ").append(actors.size()).append(" (").append(alive).append(" alive)\n");
    if (actors.isEmpty()) {
      out.append("  (none)\n");
      return;
    }
    Table t = new Table("ACTOR ID", "CLASS", "NAME", "STATE", "NODE", "RESTARTS", "DEATH CAUSE");
    for (ActorInfo a : actors) {
      String name =
          a.getSpec().getName().isEmpty()
              ? "-"
              : (a.getSpec().getNamespace().isEmpty() ? "" : a.getSpec().getNamespace() + "/")
                  + a.getSpec().getName();
      String cause = a.getDeathCause();
      if (a.getState() == ActorState.PENDING_CREATION && !a.getPendingReason().isEmpty()) {
        cause = "(pending: " + a.getPendingReason() + ")";
      }
      t.row(
          HexFormat.of().formatHex(a.getActorId().toByteArray()),
          a.getSpec().getClassName().isEmpty() ? "-" : a.getSpec().getClassName(),
          name,
          a.getState().name(),
          a.getNodeId().isEmpty() ? "-" : a.getNodeId(),
          Integer.toString(a.getNumRestarts()),
          cause.isEmpty() ? "-" : oneLine(cause));
    }
    t.appendTo(out);
  }

  private static void placementGroupsSection(StringBuilder out, List<PlacementGroupInfo> groups) {
    long created =
        groups.stream().filter(g -> g.getState() == PlacementGroupState.PG_CREATED).count();
    out.append("Placement groups: ")
        .append(groups.size())
        .append(" (")
        .append(created)
        .append(" created)\n");
    if (groups.isEmpty()) {
      out.append("  (none)\n");
      return;
    }
    Table t = new Table("GROUP ID", "NAME", "STRATEGY", "STATE", "BUNDLES", "NODES / REASON");
    for (PlacementGroupInfo g : groups) {
      List<String> bundles = new ArrayList<>();
      for (ResourceAmounts b : g.getBundlesList()) {
        List<String> parts = new ArrayList<>();
        for (String name : ordered(b.getAmountsMap().keySet())) {
          parts.add(name + " " + amount(name, b.getAmountsMap().get(name)));
        }
        bundles.add("{" + String.join(", ", parts) + "}");
      }
      String where =
          g.getState() == PlacementGroupState.PG_PENDING
              ? "(pending: " + g.getPendingReason() + ")"
              : g.getBundleNodeIdsList().isEmpty()
                  ? "-"
                  : String.join(", ", g.getBundleNodeIdsList());
      t.row(
          HexFormat.of().formatHex(g.getPlacementGroupId().toByteArray()),
          g.getName().isEmpty() ? "-" : g.getName(),
          g.getStrategy().name(),
          g.getState().name().substring(3),
          String.join(" ", bundles),
          oneLine(where));
    }
    t.appendTo(out);
  }

  private static Map<String, Long> used(ResourceAmounts total, ResourceAmounts available) {
    Map<String, Long> used = new TreeMap<>();
    total
        .getAmountsMap()
        .forEach(
            (k, v) -> used.put(k, Math.max(0, v - available.getAmountsMap().getOrDefault(k, 0L))));
    return used;
  }

  private static List<String> usage(Map<String, Long> total, Map<String, Long> used) {
    List<String> parts = new ArrayList<>();
    for (String name : ordered(total.keySet())) {
      parts.add(
          name
              + " "
              + amount(name, used.getOrDefault(name, 0L))
              + "/"
              + amount(name, total.get(name)));
    }
    return parts;
  }

  /** CPU, GPU, memory, object store memory, then custom resources by name. */
  private static List<String> ordered(Set<String> names) {
    Set<String> out = new LinkedHashSet<>();
    for (String first :
        List.of(Resources.CPU, Resources.GPU, Resources.MEMORY, Resources.OBJECT_STORE_MEMORY)) {
      if (names.contains(first)) {
        out.add(first);
      }
    }
    out.addAll(new TreeSet<>(names));
    return List.copyOf(out);
  }

  private static String amount(String name, long fixed) {
    if (name.equals(Resources.MEMORY) || name.equals(Resources.OBJECT_STORE_MEMORY)) {
      return bytes(Math.round(FixedPoint.toDouble(fixed)));
    }
    return FixedPoint.format(fixed);
  }

  /**
   * Formats a byte count with a binary unit.
   *
   * @param bytes the count
   * @return e.g. {@code 512 MiB}, {@code 1.5 GiB}
   */
  static String bytes(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    String n =
        v == Math.rint(v)
            ? Long.toString((long) v)
            : String.format(java.util.Locale.ROOT, "%.1f", v);
    return n + " " + units[u];
  }

  private static String oneLine(String s) {
    String line = s.strip().replaceAll("\\s*\\R\\s*", " | ");
    return line.length() > 200 ? line.substring(0, 197) + "..." : line;
  }

  /** A left-aligned text table; the last column is not padded. */
  private static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    void row(String... cells) {
      rows.add(cells);
    }

    void appendTo(StringBuilder out) {
      int cols = rows.getFirst().length;
      int[] width = new int[cols];
      for (String[] r : rows) {
        for (int i = 0; i < cols; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder("  ");
        for (int i = 0; i < cols; i++) {
          line.append(i == cols - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
        }
        out.append(line.toString().stripTrailing()).append('\n');
      }
    }
  }
}
