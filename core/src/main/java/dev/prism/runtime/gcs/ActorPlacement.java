package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CreateActorReply;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.PendingKind;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import dev.prism.scheduler.InvalidResourceException;
import dev.prism.scheduler.LabelSelector;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places actor instances: picks a node, asks its node manager for a worker lease (following
 * spillback, retrying infeasible, rejected or failed requests every retry period), then has the
 * granted worker create the instance. Works under the {@link ActorManager}'s monitor and uses its
 * transitions; replies of attempts that are no longer current are stale (a late grant is returned
 * unused).
 */
final class ActorPlacement implements ActorScheduler.Callbacks {

  private static final Logger LOG = LoggerFactory.getLogger(ActorPlacement.class);

  private final ActorManager manager;
  private final NodeTable nodes;
  private final ActorScheduler scheduler;
  private final Duration retryPeriod;

  ActorPlacement(
      ActorManager manager, NodeTable nodes, ActorScheduler scheduler, Duration retryPeriod) {
    this.manager = manager;
    this.nodes = nodes;
    this.scheduler = scheduler;
    this.retryPeriod = retryPeriod;
  }

  /** Asks a node manager for a worker for the current attempt of an actor. */
  void schedule(ByteString id, long attempt) {
    Context.CancellableContext call;
    Address target;
    ResourceAmounts resources;
    SchedulingStrategyProto strategy;
    List<String> jobJars;
    dev.prism.runtime.rpc.RuntimeEnvProto env;
    synchronized (manager) {
      ActorEntry e = manager.current(id, attempt);
      if (e == null || e.leaseCall != null || e.lease != null) {
        return;
      }
      Optional<NodeInfo> node = pickNode(e.spec);
      if (node.isEmpty()) {
        pending(
            e,
            PendingKind.PENDING_WAITING,
            "no node is alive to place it on; waiting for a node manager to join");
        retryLater(e);
        return;
      }
      NodeInfo n = node.get();
      target = n.getAddress().toBuilder().setNodeId(n.getNodeId()).build();
      call = Context.ROOT.withCancellation();
      e.leaseCall = call;
      e.leaseNodeId = n.getNodeId();
      resources = e.spec.getResources();
      strategy = e.spec.getStrategy();
      jobJars = e.spec.getJobJarsList();
      env = e.spec.getRuntimeEnv();
    }
    scheduler.requestLease(id, attempt, call, target, resources, strategy, jobJars, env, false);
  }

  /**
   * The node whose node manager is asked first (it spills the request back to a better one): the
   * owner's node if alive and its labels match the actor's selector, else an alive matching node
   * whose totals fit, else any alive node (which then answers infeasible, with the reason).
   */
  private Optional<NodeInfo> pickNode(ActorCreationSpec spec) {
    LabelSelector selector;
    try {
      selector = LabelSelector.parse(spec.getStrategy().getLabelSelectorMap());
    } catch (InvalidResourceException e) {
      selector = LabelSelector.any(); // the node manager refuses it with the reason
    }
    LabelSelector sel = selector;
    String ownerNode = spec.getOwner().getNodeId();
    if (!ownerNode.isEmpty()) {
      Optional<NodeInfo> own =
          nodes.get(ownerNode).filter(n -> n.getAlive() && sel.matches(n.getLabelsMap()));
      if (own.isPresent()) {
        return own;
      }
    }
    List<NodeInfo> alive = nodes.all().stream().filter(NodeInfo::getAlive).toList();
    for (NodeInfo n : alive) {
      if (sel.matches(n.getLabelsMap()) && fits(spec.getResources(), n.getTotal())) {
        return Optional.of(n);
      }
    }
    return alive.stream().findFirst();
  }

  private static boolean fits(ResourceAmounts demand, ResourceAmounts total) {
    for (Map.Entry<String, Long> d : demand.getAmountsMap().entrySet()) {
      if (d.getValue() > total.getAmountsOrDefault(d.getKey(), 0L)) {
        return false;
      }
    }
    return true;
  }

  void retryLater(ActorEntry e) {
    long attempt = e.attempt;
    scheduler.later(() -> schedule(e.id, attempt), retryPeriod);
  }

  private static void pending(ActorEntry e, PendingKind kind, String reason) {
    e.info = e.info.toBuilder().setPendingKind(kind).setPendingReason(reason).build();
  }

  @Override
  public void leaseReplied(
      ByteString id,
      long attempt,
      Context.CancellableContext call,
      ByteString leaseId,
      Address nodeManager,
      LeaseReply reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (manager) {
      ActorEntry e = manager.current(id, attempt);
      boolean stale = e == null || e.leaseCall != call;
      switch (reply.getResultCase()) {
        case GRANTED -> {
          LeaseReply.Granted g = reply.getGranted();
          if (stale) {
            if (!manager.closed) {
              LOG.debug(
                  "returning a late grant of {} for actor {}",
                  RpcChannels.key(g.getWorker()),
                  ActorSpecs.hex(id));
              after.add(() -> scheduler.returnLease(nodeManager, leaseId, false));
            }
            break;
          }
          e.leaseCall = null;
          String nodeId =
              !g.getWorker().getNodeId().isEmpty()
                  ? g.getWorker().getNodeId()
                  : nodeManager.getNodeId();
          ActorEntry.Lease lease =
              new ActorEntry.Lease(
                  leaseId,
                  nodeManager,
                  nodeId,
                  g.getWorker().toBuilder().setNodeId(nodeId).build(),
                  g.getWorkerPid(),
                  g.getGpuIdsList());
          e.lease = lease;
          manager.hosts.put(lease.workerId(), id);
          int restarts = e.info.getNumRestarts();
          LOG.debug(
              "{}: worker {} (pid {}) granted on node {}; creating the instance",
              e.describe(),
              lease.workerId(),
              lease.pid,
              nodeId);
          after.add(() -> scheduler.createActor(id, attempt, lease, e.spec, restarts));
        }
        case SPILLBACK -> {
          if (stale) {
            break;
          }
          Address target = reply.getSpillback();
          Context.CancellableContext next = Context.ROOT.withCancellation();
          e.leaseCall = next;
          e.leaseNodeId = target.getNodeId();
          ResourceAmounts resources = e.spec.getResources();
          SchedulingStrategyProto strategy = e.spec.getStrategy();
          List<String> jobJars = e.spec.getJobJarsList();
          dev.prism.runtime.rpc.RuntimeEnvProto env = e.spec.getRuntimeEnv();
          LOG.debug("{}: spilled back to {}", e.describe(), RpcChannels.key(target));
          after.add(
              () ->
                  scheduler.requestLease(
                      id, attempt, next, target, resources, strategy, jobJars, env, true));
        }
        case INFEASIBLE -> {
          if (stale) {
            break;
          }
          e.leaseCall = null;
          pending(e, PendingKind.PENDING_INFEASIBLE, "infeasible: " + reply.getInfeasible());
          if (!e.infeasibleWarned) {
            e.infeasibleWarned = true;
            LOG.warn(
                "{} cannot be placed yet: {} (it needs {}); retrying every {} ms",
                e.describe(),
                reply.getInfeasible(),
                GcsServiceImpl.format(e.spec.getResources()),
                retryPeriod.toMillis());
          }
          retryLater(e);
        }
        case BAD_ENVIRONMENT -> {
          if (stale) {
            break;
          }
          e.leaseCall = null;
          manager.markDead(
              e,
              (e.spec.hasRuntimeEnv()
                          && !e.spec
                              .getRuntimeEnv()
                              .equals(dev.prism.runtime.rpc.RuntimeEnvProto.getDefaultInstance())
                      ? "its runtime environment cannot be set up: "
                      : "its job environment cannot be set up: ")
                  + reply.getBadEnvironment(),
              ByteString.EMPTY,
              after);
        }
        default -> {
          if (stale) {
            break;
          }
          e.leaseCall = null;
          LOG.debug(
              "{}: lease request rejected by {}: {}; retrying",
              e.describe(),
              RpcChannels.key(nodeManager),
              reply.getRejected());
          retryLater(e);
        }
      }
    }
    ActorManager.run(after);
  }

  @Override
  public void leaseFailed(
      ByteString id,
      long attempt,
      Context.CancellableContext call,
      Address nodeManager,
      Status status) {
    synchronized (manager) {
      ActorEntry e = manager.current(id, attempt);
      if (e == null || e.leaseCall != call) {
        return;
      }
      e.leaseCall = null;
      String why =
          "asking the node manager at "
              + RpcChannels.key(nodeManager)
              + " for a worker failed: "
              + status.getCode()
              + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")");
      pending(e, PendingKind.PENDING_WAITING, why);
      LOG.debug("{}: {}; retrying", e.describe(), why);
      retryLater(e);
    }
  }

  @Override
  public void created(ByteString id, long attempt, ActorEntry.Lease lease, CreateActorReply reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (manager) {
      ActorEntry e = manager.current(id, attempt);
      if (e == null || e.lease != lease) {
        if (!manager.closed) {
          after.add(() -> scheduler.returnLease(lease, true));
        }
      } else if (reply.getCreationError().isEmpty()) {
        e.info =
            e.info.toBuilder()
                .setState(ActorState.ALIVE)
                .setAddress(lease.worker)
                .setPid(lease.pid)
                .setNodeId(lease.nodeId)
                .clearGpuIds()
                .addAllGpuIds(lease.gpuIds)
                .clearPendingReason()
                .clearPendingKind()
                .build();
        manager.bump(e, after);
        LOG.debug(
            "{} is alive on worker {} (pid {}, node {}, restarts {})",
            e.describe(),
            lease.workerId(),
            lease.pid,
            lease.nodeId,
            e.info.getNumRestarts());
      } else {
        manager.markDead(
            e,
            "the actor's constructor failed: " + reply.getErrorMessage(),
            reply.getCreationError(),
            after);
      }
    }
    ActorManager.run(after);
  }

  @Override
  public void createFailed(ByteString id, long attempt, ActorEntry.Lease lease, Status status) {
    List<Runnable> after = new ArrayList<>();
    synchronized (manager) {
      ActorEntry e = manager.current(id, attempt);
      if (e == null || e.lease != lease) {
        if (!manager.closed) {
          after.add(() -> scheduler.returnLease(lease, true));
        }
      } else {
        manager.instanceDied(
            e,
            "creating the actor on worker "
                + lease.workerId()
                + " failed: "
                + status.getCode()
                + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"),
            true,
            after);
      }
    }
    ActorManager.run(after);
  }
}
