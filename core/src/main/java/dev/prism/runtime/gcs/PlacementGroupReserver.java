package dev.prism.runtime.gcs;

import com.google.common.util.concurrent.ListenableFuture;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.BundleProto;
import dev.prism.runtime.rpc.CommitBundlesReply;
import dev.prism.runtime.rpc.CommitBundlesRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.PendingKind;
import dev.prism.runtime.rpc.PrepareBundlesReply;
import dev.prism.runtime.rpc.PrepareBundlesRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.ReturnBundlesReply;
import dev.prism.runtime.rpc.ReturnBundlesRequest;
import dev.prism.scheduler.ClusterResourceView;
import dev.prism.scheduler.FixedPoint;
import dev.prism.scheduler.NodeId;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.PlacementGroupId;
import dev.prism.scheduler.PlacementGroupSpec;
import dev.prism.scheduler.PlacementGroups;
import dev.prism.scheduler.PlacementPlan;
import dev.prism.scheduler.PlacementStrategy;
import dev.prism.scheduler.ResourceRequest;
import dev.prism.scheduler.ResourceSet;
import dev.prism.scheduler.SchedulerException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-phase reservation of one placement group over the node managers: plans with
 * gpu-scheduler's {@link PlacementGroups#plan} over a view of the live nodes, prepares the bundles
 * on every node of the plan (in parallel), commits them when all prepared, and returns them
 * everywhere on any failure. Called on the manager's rounds thread only.
 */
final class PlacementGroupReserver implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PlacementGroupReserver.class);

  /** How long one prepare, commit or return may take. */
  static final Duration RPC_TIMEOUT = Duration.ofSeconds(10);

  /** A scheduling round's view of the live nodes (planned groups are counted in it). */
  record View(ClusterResourceView cluster, Map<String, Address> addresses) {}

  /** A reservation's outcome: the node per bundle, or null and why not (of which kind). */
  record Outcome(List<String> nodes, PendingKind kind, String reason) {}

  private final RpcChannels channels;

  PlacementGroupReserver(dev.prism.runtime.security.ClusterToken token) {
    this.channels = new RpcChannels(token);
  }

  View view(List<NodeInfo> nodes) {
    ClusterResourceView c = new ClusterResourceView();
    Map<String, Address> addresses = new HashMap<>();
    for (NodeInfo n : nodes) {
      if (!n.getAlive()) {
        continue;
      }
      try {
        NodeSpec.Builder b = NodeSpec.builder(NodeId.of(n.getNodeId()));
        ResourceSet total = set(n.getTotal());
        for (String name : total.names()) {
          b.resource(name, total.get(name));
        }
        n.getLabelsMap().forEach(b::label);
        ResourceSet available = available(total, n.getAvailable());
        c.addNode(b.build());
        c.reportAvailable(NodeId.of(n.getNodeId()), available);
        addresses.put(n.getNodeId(), n.getAddress());
      } catch (SchedulerException e) {
        LOG.warn("placement groups ignore node {}: {}", n.getNodeId(), e.getMessage());
      }
    }
    return new View(c, addresses);
  }

  static ResourceSet set(ResourceAmounts amounts) {
    ResourceSet.Builder b = ResourceSet.builder();
    amounts.getAmountsMap().forEach((k, v) -> b.set(k, FixedPoint.toDouble(v)));
    return b.build();
  }

  /**
   * A node's reported availability as a set: its totals minus what is in use, subtracted in a whole
   * and a fractional step (a set may not hold e.g. 99.5 of a unit resource, an availability may).
   */
  static ResourceSet available(ResourceSet total, ResourceAmounts reported) {
    ResourceSet a = total;
    for (String name : total.names()) {
      long used =
          total.getFixed(name)
              - Math.min(total.getFixed(name), reported.getAmountsOrDefault(name, 0L));
      long whole = used / FixedPoint.SCALE;
      long frac = used - whole * FixedPoint.SCALE;
      if (whole > 0) {
        a = a.minus(ResourceSet.of(name, whole));
      }
      if (frac > 0) {
        a = a.minus(ResourceSet.of(name, FixedPoint.toDouble(frac)));
      }
    }
    return a;
  }

  static PlacementStrategy strategy(dev.prism.runtime.rpc.PlacementStrategyProto p) {
    return switch (p) {
      case SPREAD -> PlacementStrategy.SPREAD;
      case STRICT_PACK -> PlacementStrategy.STRICT_PACK;
      case STRICT_SPREAD -> PlacementStrategy.STRICT_SPREAD;
      default -> PlacementStrategy.PACK;
    };
  }

  /** Plans, prepares and commits one group. */
  Outcome reserve(View v, PlacementGroupManager.Entry e) {
    List<ResourceRequest> bundles = new ArrayList<>();
    for (ResourceAmounts a : e.bundles) {
      bundles.add(ResourceRequest.of(set(a)));
    }
    PlacementGroupSpec spec =
        new PlacementGroupSpec(
            PlacementGroupId.of(PlacementGroupManager.hex(e.id)),
            bundles,
            strategy(e.strategy),
            null);
    PlacementPlan plan = PlacementGroups.plan(v.cluster(), spec);
    List<String> nodes = new ArrayList<>();
    switch (plan) {
      case PlacementPlan.Unavailable u -> {
        return new Outcome(
            null, PendingKind.PENDING_WAITING, "waiting for resources: " + u.reason());
      }
      case PlacementPlan.Infeasible i -> {
        return new Outcome(
            null,
            PendingKind.PENDING_INFEASIBLE,
            "infeasible: " + i.reason() + "; it stays pending until nodes that fit it join");
      }
      case PlacementPlan.Placed p -> p.nodes().forEach(n -> nodes.add(n.value()));
    }
    Map<String, List<BundleProto>> byNode = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      byNode
          .computeIfAbsent(nodes.get(i), k -> new ArrayList<>())
          .add(
              BundleProto.newBuilder()
                  .setPlacementGroupId(e.id)
                  .setBundleIndex(i)
                  .setResources(e.bundles.get(i))
                  .build());
    }
    boolean oneNode = byNode.size() == 1;
    String failure = prepare(v, byNode, oneNode);
    if (failure == null && !oneNode) {
      failure = commit(v, byNode);
    }
    if (failure != null) {
      returnBundles(v.addresses(), byNode, "the reservation of its placement group failed");
      return new Outcome(null, PendingKind.PENDING_WAITING, "waiting for resources: " + failure);
    }
    for (int i = 0; i < nodes.size(); i++) {
      NodeId n = NodeId.of(nodes.get(i));
      if (v.cluster().prepareBundle(n, spec.bundleId(i), bundles.get(i))) {
        v.cluster().commitBundle(n, spec.bundleId(i));
      }
    }
    return new Outcome(List.copyOf(nodes), PendingKind.PENDING_NONE, "");
  }

  private NodeManagerServiceGrpc.NodeManagerServiceFutureStub stub(Address a) {
    return NodeManagerServiceGrpc.newFutureStub(channels.get(a))
        .withDeadlineAfter(RPC_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
  }

  private String prepare(View v, Map<String, List<BundleProto>> byNode, boolean commit) {
    Map<String, ListenableFuture<PrepareBundlesReply>> calls = new LinkedHashMap<>();
    Context.ROOT.run(
        () ->
            byNode.forEach(
                (node, bundles) ->
                    calls.put(
                        node,
                        stub(v.addresses().get(node))
                            .prepareBundles(
                                PrepareBundlesRequest.newBuilder()
                                    .addAllBundles(bundles)
                                    .setCommit(commit)
                                    .build()))));
    String failure = null;
    for (Map.Entry<String, ListenableFuture<PrepareBundlesReply>> c : calls.entrySet()) {
      try {
        PrepareBundlesReply r =
            c.getValue().get(RPC_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        if (!r.getPrepared() && failure == null) {
          failure = r.getReason();
        }
      } catch (ExecutionException | TimeoutException ex) {
        failure =
            failure != null
                ? failure
                : "prepare on node "
                    + c.getKey()
                    + " failed: "
                    + Status.fromThrowable(ex.getCause() == null ? ex : ex.getCause());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return failure;
  }

  private String commit(View v, Map<String, List<BundleProto>> byNode) {
    Map<String, ListenableFuture<CommitBundlesReply>> calls = new LinkedHashMap<>();
    Context.ROOT.run(
        () ->
            byNode.forEach(
                (node, bundles) ->
                    calls.put(
                        node,
                        stub(v.addresses().get(node))
                            .commitBundles(
                                CommitBundlesRequest.newBuilder()
                                    .addAllBundles(bundles)
                                    .build()))));
    String failure = null;
    for (Map.Entry<String, ListenableFuture<CommitBundlesReply>> c : calls.entrySet()) {
      try {
        c.getValue().get(RPC_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException ex) {
        failure =
            failure != null
                ? failure
                : "commit on node "
                    + c.getKey()
                    + " failed: "
                    + Status.fromThrowable(ex.getCause() == null ? ex : ex.getCause());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return failure;
  }

  /**
   * Returns bundles on the live nodes among the given ones (fire and forget): one call per node and
   * reason.
   */
  void returnBundles(List<NodeInfo> live, Map<String, List<BundleProto>> byNode, String reason) {
    Map<String, Address> addresses = new HashMap<>();
    for (NodeInfo n : live) {
      if (n.getAlive()) {
        addresses.put(n.getNodeId(), n.getAddress());
      }
    }
    returnBundles(addresses, byNode, reason);
  }

  private void returnBundles(
      Map<String, Address> addresses, Map<String, List<BundleProto>> byNode, String reason) {
    byNode.forEach(
        (node, bundles) -> {
          Address a = addresses.get(node);
          if (a == null || bundles.isEmpty()) {
            return;
          }
          ReturnBundlesRequest r =
              ReturnBundlesRequest.newBuilder().addAllBundles(bundles).setReason(reason).build();
          try {
            Context.ROOT.run(
                () ->
                    NodeManagerServiceGrpc.newStub(channels.get(a))
                        .withDeadlineAfter(RPC_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)
                        .returnBundles(
                            r,
                            new StreamObserver<ReturnBundlesReply>() {
                              @Override
                              public void onNext(ReturnBundlesReply value) {}

                              @Override
                              public void onError(Throwable t) {
                                LOG.warn(
                                    "returning placement-group bundles on node {} failed: {}",
                                    node,
                                    Status.fromThrowable(t));
                              }

                              @Override
                              public void onCompleted() {}
                            }));
          } catch (IllegalStateException ex) {
            LOG.debug("not returning bundles on {}: {}", node, ex.getMessage());
          }
        });
  }

  @Override
  public void close() {
    channels.close();
  }
}
