package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.BundleProto;
import dev.prism.runtime.rpc.CreatePlacementGroupRequest;
import dev.prism.runtime.rpc.GetPlacementGroupReply;
import dev.prism.runtime.rpc.GetPlacementGroupRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.PendingKind;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementGroupState;
import dev.prism.runtime.rpc.PlacementStrategyProto;
import dev.prism.runtime.rpc.ResourceAmounts;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The placement-group table and its scheduling. A group is PENDING until every bundle is reserved:
 * a scheduling round (one thread, {@link PlacementGroupReserver}) plans the pending groups with
 * gpu-scheduler over the live nodes' totals and reported availability, prepares the bundles on
 * every node of the plan, and commits them when all prepared (CREATED); on any failure it cancels
 * what it prepared and the group stays PENDING with the reason, retried every {@link #RETRY} and
 * whenever a node joins. Removal returns the bundles on every node (batched over {@link
 * #RETURN_BATCH}). A node's death returns the other bundles of its groups and reschedules them.
 * State is guarded by this object's monitor; RPCs and replies happen outside it.
 */
final class PlacementGroupManager implements NodeListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PlacementGroupManager.class);

  /** How often pending groups are tried again. */
  static final Duration RETRY = Duration.ofMillis(200);

  /** How long returned bundles wait to go out with others (one call per node for a burst). */
  static final Duration RETURN_BATCH = Duration.ofMillis(2);

  /** The longest wait a GetPlacementGroup may ask for. */
  private static final long MAX_WAIT_MS = 60_000;

  /** One group. Mutable fields are guarded by the manager's monitor. */
  static final class Entry {
    final ByteString id;
    final String name;
    final String namespace;
    final ByteString jobId;
    final PlacementStrategyProto strategy;
    final List<ResourceAmounts> bundles;
    PlacementGroupState state = PlacementGroupState.PG_PENDING;
    String pendingReason = "waiting to be scheduled";
    PendingKind pendingKind = PendingKind.PENDING_WAITING;
    List<String> nodes = List.of();
    long version = 1;
    final List<Runnable> waiters = new ArrayList<>();

    Entry(ByteString id, CreatePlacementGroupRequest r) {
      this.id = id;
      this.name = r.getName();
      this.namespace = r.getNamespace();
      this.jobId = r.getCreatorJobId();
      this.strategy = r.getStrategy();
      this.bundles = List.copyOf(r.getBundlesList());
    }

    PlacementGroupInfo info() {
      return PlacementGroupInfo.newBuilder()
          .setPlacementGroupId(id)
          .setName(name)
          .setNamespace(namespace)
          .setStrategy(strategy)
          .addAllBundles(bundles)
          .setState(state)
          .addAllBundleNodeIds(nodes)
          .setPendingReason(state == PlacementGroupState.PG_PENDING ? pendingReason : "")
          .setPendingKind(
              state == PlacementGroupState.PG_PENDING ? pendingKind : PendingKind.PENDING_NONE)
          .setVersion(version)
          .build();
    }

    List<BundleProto> bundleProtos(String node) {
      List<BundleProto> out = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        if (node == null || nodes.get(i).equals(node)) {
          out.add(
              BundleProto.newBuilder()
                  .setPlacementGroupId(id)
                  .setBundleIndex(i)
                  .setResources(bundles.get(i))
                  .build());
        }
      }
      return out;
    }
  }

  private final NodeTable nodeTable;
  private final PlacementGroupReserver reserver;
  private final Map<ByteString, Entry> groups = new LinkedHashMap<>();
  private final Map<String, Entry> names = new HashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final ExecutorService rounds;
  private final ScheduledExecutorService timer;

  /** Returns waiting to be sent, by reason then node (rounds thread only). */
  private final Map<String, Map<String, List<BundleProto>>> pendingReturns = new LinkedHashMap<>();

  private boolean returnsQueued;
  private boolean roundQueued;
  private boolean retryQueued;
  private boolean closed;

  PlacementGroupManager(NodeTable nodeTable, dev.prism.runtime.security.ClusterToken token) {
    this.nodeTable = nodeTable;
    this.reserver = new PlacementGroupReserver(token);
    this.rounds = Executors.newSingleThreadExecutor(daemon("prism-gcs-pgs"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("prism-gcs-pg-timer"));
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static String nameKey(String namespace, String name) {
    return namespace + "\u0000" + name;
  }

  // -------------------------------------------------------------------------------------- RPCs

  /** Registers a group as PENDING and starts a scheduling round. */
  PlacementGroupInfo create(CreatePlacementGroupRequest r) {
    if (r.getBundlesCount() == 0) {
      throw Status.INVALID_ARGUMENT
          .withDescription("a placement group needs at least one bundle")
          .asRuntimeException();
    }
    for (int i = 0; i < r.getBundlesCount(); i++) {
      Map<String, Long> amounts = r.getBundles(i).getAmountsMap();
      if (amounts.isEmpty()
          || amounts.values().stream().anyMatch(v -> v < 0)
          || amounts.values().stream().allMatch(v -> v == 0)) {
        throw Status.INVALID_ARGUMENT
            .withDescription(
                "bundle "
                    + i
                    + " "
                    + GcsServiceImpl.format(r.getBundles(i))
                    + " is empty or negative; give each bundle positive amounts")
            .asRuntimeException();
      }
      try {
        dev.prism.scheduler.ResourceRequest.of(PlacementGroupReserver.set(r.getBundles(i)));
      } catch (dev.prism.scheduler.SchedulerException bad) {
        throw Status.INVALID_ARGUMENT
            .withDescription("bundle " + i + ": " + bad.getMessage())
            .asRuntimeException();
      }
    }
    byte[] raw = new byte[16];
    random.nextBytes(raw);
    Entry e = new Entry(ByteString.copyFrom(raw), r);
    PlacementGroupInfo info;
    synchronized (this) {
      if (!e.name.isEmpty()) {
        Entry old = names.get(nameKey(e.namespace, e.name));
        if (old != null && old.state != PlacementGroupState.PG_REMOVED) {
          throw Status.ALREADY_EXISTS
              .withDescription(
                  "a placement group named '"
                      + e.name
                      + "' already exists in namespace '"
                      + e.namespace
                      + "'; remove it or pick another"
                      + " name")
              .asRuntimeException();
        }
        names.put(nameKey(e.namespace, e.name), e);
      }
      groups.put(e.id, e);
      info = e.info();
    }
    queueRound();
    return info;
  }

  /** Answers at once, or when the group leaves PENDING, or when the wait ends. */
  void get(GetPlacementGroupRequest r, StreamObserver<GetPlacementGroupReply> out) {
    AtomicBoolean once = new AtomicBoolean();
    Entry e;
    synchronized (this) {
      e =
          r.getPlacementGroupId().isEmpty()
              ? names.get(nameKey(r.getNamespace(), r.getName()))
              : groups.get(r.getPlacementGroupId());
      if (e != null
          && r.getWaitUntilReadyMs() > 0
          && e.state == PlacementGroupState.PG_PENDING
          && !closed) {
        Entry entry = e;
        Runnable answer = () -> answer(entry, once, out);
        e.waiters.add(answer);
        long ms = Math.min(r.getWaitUntilReadyMs(), MAX_WAIT_MS);
        try {
          // On timeout, the wait also leaves the group's waiters (no pile-up from polling).
          timer.schedule(
              () -> {
                synchronized (this) {
                  entry.waiters.remove(answer);
                }
                answer.run();
              },
              ms,
              TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ex) {
          LOG.debug("GCS closing; answering a placement-group wait at once");
        }
        return;
      }
    }
    if (e == null) {
      out.onNext(GetPlacementGroupReply.getDefaultInstance());
      out.onCompleted();
    } else {
      answer(e, once, out);
    }
  }

  private void answer(Entry e, AtomicBoolean once, StreamObserver<GetPlacementGroupReply> out) {
    if (!once.compareAndSet(false, true)) {
      return;
    }
    PlacementGroupInfo info;
    synchronized (this) {
      info = e.info();
    }
    try {
      out.onNext(GetPlacementGroupReply.newBuilder().setFound(true).setGroup(info).build());
      out.onCompleted();
    } catch (RuntimeException ex) {
      LOG.debug("could not answer GetPlacementGroup: {}", ex.toString());
    }
  }

  /** Removes a group: REMOVED at once, its bundles returned in the background. */
  boolean remove(ByteString id) {
    Entry e;
    List<Runnable> wake;
    synchronized (this) {
      e = groups.get(id);
      if (e == null || e.state == PlacementGroupState.PG_REMOVED) {
        return e != null;
      }
      wake = setState(e, PlacementGroupState.PG_REMOVED, "");
      groups.remove(id);
      if (!e.name.isEmpty()) {
        names.remove(nameKey(e.namespace, e.name), e);
      }
    }
    wake.forEach(Runnable::run);
    onRounds(() -> release(e, "its placement group was removed"));
    return true;
  }

  synchronized List<PlacementGroupInfo> list() {
    return groups.values().stream().map(Entry::info).toList();
  }

  /** Removes the groups a finished job created (Ray removes a job's groups with it). */
  void jobFinished(ByteString jobId) {
    List<ByteString> ids;
    synchronized (this) {
      ids =
          groups.values().stream()
              .filter(e -> e.jobId.equals(jobId) && !jobId.isEmpty())
              .map(e -> e.id)
              .toList();
    }
    ids.forEach(this::remove);
  }

  // ---------------------------------------------------------------------------------- nodes

  @Override
  public void nodeAdded(NodeInfo node) {
    queueRound();
  }

  @Override
  public void nodeDied(NodeInfo node) {
    List<Entry> hit = new ArrayList<>();
    synchronized (this) {
      for (Entry e : groups.values()) {
        if (e.state == PlacementGroupState.PG_CREATED && e.nodes.contains(node.getNodeId())) {
          hit.add(e);
        }
      }
    }
    for (Entry e : hit) {
      LOG.info("node {} died: rescheduling placement group {}", node.getNodeId(), hex(e.id));
      onRounds(
          () -> {
            List<Runnable> wake;
            synchronized (this) {
              if (e.state != PlacementGroupState.PG_CREATED) {
                return;
              }
              wake =
                  setState(
                      e,
                      PlacementGroupState.PG_PENDING,
                      "node "
                          + node.getNodeId()
                          + " holding some of its bundles died; rescheduling");
            }
            wake.forEach(Runnable::run);
            release(e, "node " + node.getNodeId() + " of the placement group died");
            synchronized (this) {
              e.nodes = List.of();
            }
          });
    }
    queueRound();
  }

  // ------------------------------------------------------------------------------ scheduling

  private void onRounds(Runnable task) {
    try {
      rounds.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException ex) {
              LOG.error("placement group scheduling failed", ex);
            }
          });
    } catch (RejectedExecutionException ex) {
      LOG.debug("GCS closing; dropping placement-group work");
    }
  }

  private void queueRound() {
    synchronized (this) {
      if (roundQueued || closed) {
        return;
      }
      roundQueued = true;
    }
    onRounds(this::round);
  }

  /** Tries every pending group once, in creation order. */
  private void round() {
    List<Entry> pending;
    synchronized (this) {
      roundQueued = false;
      pending =
          groups.values().stream().filter(e -> e.state == PlacementGroupState.PG_PENDING).toList();
    }
    if (pending.isEmpty()) {
      return;
    }
    PlacementGroupReserver.View view = reserver.view(nodeTable.all());
    boolean left = false;
    for (Entry e : pending) {
      PlacementGroupReserver.Outcome o = reserver.reserve(view, e);
      List<Runnable> wake = List.of();
      boolean undo = false;
      synchronized (this) {
        if (o.nodes() == null) {
          e.pendingReason = o.reason();
          e.pendingKind = o.kind();
          left = true;
        } else if (e.state != PlacementGroupState.PG_PENDING) {
          undo = true;
          e.nodes = o.nodes();
        } else {
          e.nodes = o.nodes();
          wake = setState(e, PlacementGroupState.PG_CREATED, "");
        }
      }
      if (undo) {
        release(e, "placement group " + hex(e.id) + " was removed while it was reserved");
      } else if (o.nodes() != null) {
        for (String n : new java.util.LinkedHashSet<>(o.nodes())) {
          nodeTable.addBundles(n, e.bundleProtos(n));
        }
        LOG.debug("placement group {} created on {}", hex(e.id), o.nodes());
      } else {
        LOG.debug("placement group {} pending: {}", hex(e.id), o.reason());
      }
      wake.forEach(Runnable::run);
    }
    if (left) {
      synchronized (this) {
        if (retryQueued || closed) {
          return;
        }
        retryQueued = true;
      }
      try {
        timer.schedule(
            () -> {
              synchronized (this) {
                retryQueued = false;
              }
              queueRound();
            },
            RETRY.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException ex) {
        LOG.debug("GCS closing; not retrying placement groups");
      }
    }
  }

  /**
   * Returns a group's bundles on its nodes (on the rounds thread). Returns queued by the tasks
   * already waiting on the thread go out together, one call per node and reason.
   */
  private void release(Entry e, String reason) {
    List<String> nodes;
    synchronized (this) {
      nodes = e.nodes;
    }
    nodeTable.removeBundles(e.id);
    Map<String, List<BundleProto>> byNode =
        pendingReturns.computeIfAbsent(reason, k -> new LinkedHashMap<>());
    for (String n : new java.util.LinkedHashSet<>(nodes)) {
      byNode.computeIfAbsent(n, k -> new ArrayList<>()).addAll(e.bundleProtos(n));
    }
    if (!returnsQueued) {
      returnsQueued = true;
      try {
        timer.schedule(
            () -> onRounds(this::flushReturns), RETURN_BATCH.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException ex) {
        returnsQueued = false;
        flushReturns();
      }
    }
  }

  private void flushReturns() {
    returnsQueued = false;
    List<NodeInfo> live = nodeTable.all();
    pendingReturns.forEach((reason, byNode) -> reserver.returnBundles(live, byNode, reason));
    pendingReturns.clear();
  }

  /** Changes a group's state; returns the waiters to wake (outside the monitor). */
  private List<Runnable> setState(Entry e, PlacementGroupState state, String reason) {
    e.state = state;
    e.pendingReason = reason;
    e.pendingKind =
        state == PlacementGroupState.PG_PENDING
            ? PendingKind.PENDING_WAITING
            : PendingKind.PENDING_NONE;
    e.version++;
    List<Runnable> wake = List.copyOf(e.waiters);
    e.waiters.clear();
    return wake;
  }

  static String hex(ByteString id) {
    return java.util.HexFormat.of().formatHex(id.toByteArray());
  }

  /** Answers the waits and stops scheduling. */
  @Override
  public void close() {
    List<Runnable> wake = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Entry e : groups.values()) {
        wake.addAll(e.waiters);
        e.waiters.clear();
      }
    }
    wake.forEach(Runnable::run);
    rounds.shutdownNow();
    timer.shutdownNow();
    reserver.close();
  }
}
