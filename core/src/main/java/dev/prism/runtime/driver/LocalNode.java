package dev.prism.runtime.driver;

import dev.prism.PrismException;
import dev.prism.runtime.rpc.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which node of a running cluster a driver joining it attaches to: a node on the driver's own host,
 * whose store it maps and whose address it binds its own server to. A node is on this host when its
 * store's socket is here and its address is one of this host's; the socket alone does not tell
 * (hosts that share a file system, such as network namespaces of one machine, see each other's
 * sockets). Given an address ({@code nodeIp}), the node at that address; else, of several, the one
 * at the address that routes to the head, else the first.
 */
final class LocalNode {

  private LocalNode() {}

  /** What the choice needs of this host. */
  interface Host {
    /** Whether a store socket exists here. */
    boolean hasSocket(String path);

    /** Whether the address is one of this host's. */
    boolean isOwn(String address);

    /** This host's address that routes to {@code host}, if any. */
    Optional<String> routeTo(String host);

    /** This host's addresses, for messages. */
    List<String> addresses();
  }

  /**
   * Chooses the node.
   *
   * @param nodes the cluster's nodes
   * @param gcsAddress the head's {@code host:port}, for the route and messages
   * @param nodeIp the address asked for, or empty
   * @param host this host
   * @return the chosen node and, when several were possible, a line saying which and why
   * @throws PrismException naming the nodes and this host's addresses when none fits
   */
  static Choice choose(
      List<NodeInfo> nodes, String gcsAddress, Optional<String> nodeIp, Host host) {
    List<NodeInfo> here = new ArrayList<>();
    for (NodeInfo n : nodes) {
      if (n.getAlive()
          && host.hasSocket(n.getStoreSocket())
          && host.isOwn(n.getAddress().getHost())) {
        here.add(n);
      }
    }
    if (nodeIp.isPresent()) {
      String ip = nodeIp.get();
      Predicate<NodeInfo> at = n -> n.getAddress().getHost().equals(ip);
      Optional<NodeInfo> match = here.stream().filter(at).findFirst();
      if (match.isPresent()) {
        return new Choice(match.get(), Optional.empty());
      }
      throw new PrismException(
          "no node of the cluster at "
              + gcsAddress
              + " runs at "
              + ip
              + " on this machine (nodeIp / PRISM_NODE_IP); "
              + describe(nodes, host));
    }
    if (here.isEmpty()) {
      throw new PrismException(
          "the cluster at "
              + gcsAddress
              + " has "
              + nodes.size()
              + " node(s), none of them on this machine: a driver joins through a node on its own"
              + " machine; start one here first ("
              + describe(nodes, host)
              + ")");
    }
    if (here.size() == 1) {
      return new Choice(here.getFirst(), Optional.empty());
    }
    String gcsHost = gcsAddress.substring(0, gcsAddress.lastIndexOf(':'));
    Optional<String> route = host.routeTo(gcsHost);
    NodeInfo chosen =
        here.stream()
            .filter(n -> route.isPresent() && n.getAddress().getHost().equals(route.get()))
            .findFirst()
            .orElse(here.getFirst());
    String why =
        route.isPresent() && chosen.getAddress().getHost().equals(route.get())
            ? "the address that routes to the head"
            : "the first listed";
    return new Choice(
        chosen,
        Optional.of(
            here.size()
                + " nodes of the cluster run on this machine ("
                + here.stream().map(LocalNode::name).collect(Collectors.joining(", "))
                + "); this driver joins through "
                + name(chosen)
                + ", "
                + why
                + "; set nodeIp or PRISM_NODE_IP to choose another"));
  }

  private static String describe(List<NodeInfo> nodes, Host host) {
    return "the cluster's nodes: "
        + nodes.stream()
            .map(n -> name(n) + (n.getAlive() ? "" : " (dead)"))
            .collect(Collectors.joining(", "))
        + "; this machine's addresses: "
        + String.join(", ", host.addresses());
  }

  private static String name(NodeInfo n) {
    return n.getNodeId() + " at " + n.getAddress().getHost() + ":" + n.getAddress().getPort();
  }

  /**
   * The node a driver attaches to.
   *
   * @param node the node
   * @param note which of several it is and why, to log
   */
  record Choice(NodeInfo node, Optional<String> note) {}
}
