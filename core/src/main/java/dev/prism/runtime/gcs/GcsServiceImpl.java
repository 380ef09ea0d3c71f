package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.AddTaskEventsReply;
import dev.prism.runtime.rpc.AddTaskEventsRequest;
import dev.prism.runtime.rpc.CreatePlacementGroupReply;
import dev.prism.runtime.rpc.CreatePlacementGroupRequest;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.GetAllNodesReply;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.GetPlacementGroupReply;
import dev.prism.runtime.rpc.GetPlacementGroupRequest;
import dev.prism.runtime.rpc.GetTaskEventsReply;
import dev.prism.runtime.rpc.GetTaskEventsRequest;
import dev.prism.runtime.rpc.JobInfo;
import dev.prism.runtime.rpc.KillActorReply;
import dev.prism.runtime.rpc.KillActorRequest;
import dev.prism.runtime.rpc.KvDeleteReply;
import dev.prism.runtime.rpc.KvDeleteRequest;
import dev.prism.runtime.rpc.KvGetReply;
import dev.prism.runtime.rpc.KvGetRequest;
import dev.prism.runtime.rpc.KvKeysReply;
import dev.prism.runtime.rpc.KvKeysRequest;
import dev.prism.runtime.rpc.KvPutReply;
import dev.prism.runtime.rpc.KvPutRequest;
import dev.prism.runtime.rpc.ListActorsReply;
import dev.prism.runtime.rpc.ListActorsRequest;
import dev.prism.runtime.rpc.ListJobsReply;
import dev.prism.runtime.rpc.ListJobsRequest;
import dev.prism.runtime.rpc.ListPlacementGroupsReply;
import dev.prism.runtime.rpc.ListPlacementGroupsRequest;
import dev.prism.runtime.rpc.MarkJobFinishedReply;
import dev.prism.runtime.rpc.MarkJobFinishedRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.RegisterActorReply;
import dev.prism.runtime.rpc.RegisterActorRequest;
import dev.prism.runtime.rpc.RegisterJobReply;
import dev.prism.runtime.rpc.RegisterJobRequest;
import dev.prism.runtime.rpc.RegisterNodeReply;
import dev.prism.runtime.rpc.RegisterNodeRequest;
import dev.prism.runtime.rpc.RemovePlacementGroupReply;
import dev.prism.runtime.rpc.RemovePlacementGroupRequest;
import dev.prism.runtime.rpc.ReportResourcesReply;
import dev.prism.runtime.rpc.ReportResourcesRequest;
import dev.prism.runtime.rpc.ReportWorkerFailureReply;
import dev.prism.runtime.rpc.ReportWorkerFailureRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.UnregisterNodeReply;
import dev.prism.runtime.rpc.UnregisterNodeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.math.BigDecimal;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC face of the GCS tables. */
final class GcsServiceImpl extends GcsServiceGrpc.GcsServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(GcsServiceImpl.class);

  /** The death reason of a node that unregistered. */
  static final String UNREGISTERED = "unregistered";

  private final NodeTable nodes;
  private final JobTable jobs;
  private final KvTable kv;
  private final ActorManager actors;
  private final PlacementGroupManager groups;
  private final TaskEventStore tasks;

  KvTable kv() {
    return kv;
  }

  TaskCounts taskCounts() {
    return tasks.counts();
  }

  private final List<NodeListener> listeners = new CopyOnWriteArrayList<>();

  private volatile java.util.function.Consumer<ReportWorkerFailureRequest> workerFailureListener =
      failure -> {};

  GcsServiceImpl(
      NodeTable nodes,
      JobTable jobs,
      KvTable kv,
      ActorManager actors,
      PlacementGroupManager groups,
      TaskEventStore tasks) {
    this.nodes = nodes;
    this.tasks = tasks;
    this.jobs = jobs;
    this.kv = kv;
    this.actors = actors;
    this.groups = groups;
    listeners.add(actors);
    listeners.add(groups);
  }

  /** Also tells {@code listener} of every worker failure a node reports (after the actors). */
  void onWorkerFailure(java.util.function.Consumer<ReportWorkerFailureRequest> listener) {
    workerFailureListener = listener;
  }

  void addListener(NodeListener listener) {
    listeners.add(listener);
  }

  void fireDied(List<NodeInfo> died) {
    for (NodeInfo n : died) {
      if (n.getDeathReason().equals(UNREGISTERED)) {
        LOG.debug(
            "node {} at {}:{} left the cluster",
            n.getNodeId(),
            n.getAddress().getHost(),
            n.getAddress().getPort());
      } else {
        LOG.warn(
            "node {} at {}:{} declared dead: {}",
            n.getNodeId(),
            n.getAddress().getHost(),
            n.getAddress().getPort(),
            n.getDeathReason());
      }
      for (NodeListener l : listeners) {
        try {
          l.nodeDied(n);
        } catch (RuntimeException e) {
          LOG.error("node listener {} failed on the death of node {}", l, n.getNodeId(), e);
        }
      }
    }
  }

  private void fireAdded(NodeInfo n) {
    for (NodeListener l : listeners) {
      try {
        l.nodeAdded(n);
      } catch (RuntimeException e) {
        LOG.error("node listener {} failed on the registration of node {}", l, n.getNodeId(), e);
      }
    }
  }

  /** Formats fixed-point amounts (units of 1/10,000) for logs: {@code {CPU=2, GPU=0.5}}. */
  static String format(ResourceAmounts amounts) {
    StringBuilder sb = new StringBuilder("{");
    new TreeMap<>(amounts.getAmountsMap())
        .forEach(
            (name, fixed) -> {
              if (sb.length() > 1) {
                sb.append(", ");
              }
              sb.append(name)
                  .append('=')
                  .append(BigDecimal.valueOf(fixed, 4).stripTrailingZeros().toPlainString());
            });
    return sb.append('}').toString();
  }

  @Override
  public void registerNode(RegisterNodeRequest request, StreamObserver<RegisterNodeReply> out) {
    NodeInfo node = request.getNode();
    if (node.getNodeId().isBlank()) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("RegisterNode without a node id; set node.node_id")
              .asRuntimeException());
      return;
    }
    String badAddress = badAddress(node.getAddress());
    if (badAddress != null) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("RegisterNode of node " + node.getNodeId() + ": " + badAddress)
              .asRuntimeException());
      return;
    }
    NodeInfo registered = nodes.register(node);
    LOG.debug(
        "node {} registered at {}:{} with {}",
        registered.getNodeId(),
        registered.getAddress().getHost(),
        registered.getAddress().getPort(),
        format(registered.getTotal()));
    fireAdded(registered);
    out.onNext(RegisterNodeReply.getDefaultInstance());
    out.onCompleted();
  }

  /** Why a process's address cannot be called back (host and port 1 to 65535), or null. */
  static String badAddress(dev.prism.runtime.rpc.Address a) {
    if (a.getHost().isBlank() || a.getPort() < 1 || a.getPort() > 65535) {
      return "address '"
          + a.getHost()
          + ":"
          + a.getPort()
          + "' is not a host and a port of 1"
          + " to 65535";
    }
    return null;
  }

  @Override
  public void unregisterNode(
      UnregisterNodeRequest request, StreamObserver<UnregisterNodeReply> out) {
    nodes.markDead(request.getNodeId(), UNREGISTERED).ifPresent(n -> fireDied(List.of(n)));
    out.onNext(UnregisterNodeReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void reportResources(
      ReportResourcesRequest request, StreamObserver<ReportResourcesReply> out) {
    switch (nodes.report(
        request.getNodeId(), request.getAvailable(), request.getInfeasibleDemandsList())) {
      case OK -> {
        out.onNext(ReportResourcesReply.newBuilder().addAllNodes(nodes.all()).build());
        out.onCompleted();
      }
      case UNKNOWN ->
          out.onError(
              Status.NOT_FOUND
                  .withDescription(
                      "node " + request.getNodeId() + " is not registered; call RegisterNode first")
                  .asRuntimeException());
      case DEAD ->
          out.onError(
              Status.FAILED_PRECONDITION
                  .withDescription(
                      "node "
                          + request.getNodeId()
                          + " was declared dead ("
                          + nodes
                              .get(request.getNodeId())
                              .map(NodeInfo::getDeathReason)
                              .orElse("unknown")
                          + "); restart the node manager to rejoin")
                  .asRuntimeException());
    }
  }

  @Override
  public void getAllNodes(GetAllNodesRequest request, StreamObserver<GetAllNodesReply> out) {
    out.onNext(GetAllNodesReply.newBuilder().addAllNodes(nodes.all()).build());
    out.onCompleted();
  }

  @Override
  public void registerJob(RegisterJobRequest request, StreamObserver<RegisterJobReply> out) {
    String badAddress = badAddress(request.getDriver());
    if (badAddress != null) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("RegisterJob: the driver's " + badAddress)
              .asRuntimeException());
      return;
    }
    JobTable.Job job = jobs.register(request.getDriver());
    LOG.debug(
        "job {} registered by driver at {}:{}",
        job.id(),
        request.getDriver().getHost(),
        request.getDriver().getPort());
    out.onNext(RegisterJobReply.newBuilder().setJobId(JobTable.encode(job.id())).build());
    out.onCompleted();
  }

  @Override
  public void kvPut(KvPutRequest request, StreamObserver<KvPutReply> out) {
    boolean added =
        kv.put(
            request.getNamespace(), request.getKey(), request.getValue(), request.getOverwrite());
    out.onNext(KvPutReply.newBuilder().setAdded(added).build());
    out.onCompleted();
  }

  @Override
  public void kvGet(KvGetRequest request, StreamObserver<KvGetReply> out) {
    KvGetReply.Builder reply = KvGetReply.newBuilder();
    kv.get(request.getNamespace(), request.getKey())
        .ifPresent(v -> reply.setFound(true).setValue(v));
    out.onNext(reply.build());
    out.onCompleted();
  }

  @Override
  public void kvDelete(KvDeleteRequest request, StreamObserver<KvDeleteReply> out) {
    boolean deleted = kv.delete(request.getNamespace(), request.getKey());
    out.onNext(KvDeleteReply.newBuilder().setDeleted(deleted).build());
    out.onCompleted();
  }

  @Override
  public void kvKeys(KvKeysRequest request, StreamObserver<KvKeysReply> out) {
    out.onNext(
        KvKeysReply.newBuilder()
            .addAllKeys(kv.keys(request.getNamespace(), request.getPrefix()))
            .build());
    out.onCompleted();
  }

  /** A job ended: its actors that are not detached, and its placement groups, go. */
  void jobFinished(ByteString jobId) {
    actors.jobFinished(jobId);
    groups.jobFinished(jobId);
  }

  @Override
  public void markJobFinished(
      MarkJobFinishedRequest request, StreamObserver<MarkJobFinishedReply> out) {
    LOG.debug("job {} finished", ActorSpecs.hex(request.getJobId()));
    jobs.finish(JobTable.decode(request.getJobId()));
    jobFinished(request.getJobId());
    out.onNext(MarkJobFinishedReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void registerActor(RegisterActorRequest request, StreamObserver<RegisterActorReply> out) {
    RegisterActorReply reply;
    try {
      reply = RegisterActorReply.newBuilder().setActor(actors.register(request.getSpec())).build();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }

  @Override
  public void getActor(GetActorRequest request, StreamObserver<GetActorReply> out) {
    actors.get(request, out);
  }

  @Override
  public void killActor(KillActorRequest request, StreamObserver<KillActorReply> out) {
    out.onNext(KillActorReply.newBuilder().setFound(actors.kill(request)).build());
    out.onCompleted();
  }

  @Override
  public void listActors(ListActorsRequest request, StreamObserver<ListActorsReply> out) {
    out.onNext(ListActorsReply.newBuilder().addAllActors(actors.list()).build());
    out.onCompleted();
  }

  @Override
  public void reportWorkerFailure(
      ReportWorkerFailureRequest request, StreamObserver<ReportWorkerFailureReply> out) {
    actors.workerFailed(request);
    workerFailureListener.accept(request);
    out.onNext(ReportWorkerFailureReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void createPlacementGroup(
      CreatePlacementGroupRequest request, StreamObserver<CreatePlacementGroupReply> out) {
    CreatePlacementGroupReply reply;
    try {
      reply = CreatePlacementGroupReply.newBuilder().setGroup(groups.create(request)).build();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }

  @Override
  public void getPlacementGroup(
      GetPlacementGroupRequest request, StreamObserver<GetPlacementGroupReply> out) {
    groups.get(request, out);
  }

  @Override
  public void removePlacementGroup(
      RemovePlacementGroupRequest request, StreamObserver<RemovePlacementGroupReply> out) {
    boolean found = groups.remove(request.getPlacementGroupId());
    out.onNext(RemovePlacementGroupReply.newBuilder().setFound(found).build());
    out.onCompleted();
  }

  @Override
  public void listPlacementGroups(
      ListPlacementGroupsRequest request, StreamObserver<ListPlacementGroupsReply> out) {
    out.onNext(ListPlacementGroupsReply.newBuilder().addAllGroups(groups.list()).build());
    out.onCompleted();
  }

  @Override
  public void listJobs(ListJobsRequest request, StreamObserver<ListJobsReply> out) {
    ListJobsReply.Builder reply = ListJobsReply.newBuilder();
    for (JobTable.Job job : jobs.all()) {
      java.time.Instant end = jobs.finishedAt(job.id());
      reply.addJobs(
          JobInfo.newBuilder()
              .setJobId(JobTable.encode(job.id()))
              .setDriver(job.driver())
              .setStartTimeMs(job.started().toEpochMilli())
              .setEndTimeMs(end == null ? 0 : end.toEpochMilli())
              .setFinished(end != null));
    }
    out.onNext(reply.build());
    out.onCompleted();
  }

  @Override
  public void addTaskEvents(AddTaskEventsRequest request, StreamObserver<AddTaskEventsReply> out) {
    tasks.add(request.getEventsList(), request.getReporterWorkerId(), request.getDroppedEvents());
    out.onNext(AddTaskEventsReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void getTaskEvents(GetTaskEventsRequest request, StreamObserver<GetTaskEventsReply> out) {
    out.onNext(tasks.query(request.getLimit(), request.getJobId()));
    out.onCompleted();
  }
}
