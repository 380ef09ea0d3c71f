package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.KillActorRequest;
import dev.prism.runtime.rpc.KvDeleteRequest;
import dev.prism.runtime.rpc.KvGetReply;
import dev.prism.runtime.rpc.KvGetRequest;
import dev.prism.runtime.rpc.KvKeysRequest;
import dev.prism.runtime.rpc.KvPutRequest;
import dev.prism.runtime.rpc.ListActorsRequest;
import dev.prism.runtime.rpc.MarkJobFinishedRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.RegisterActorRequest;
import dev.prism.runtime.rpc.RegisterJobRequest;
import dev.prism.runtime.rpc.RegisterNodeRequest;
import dev.prism.runtime.rpc.ReportResourcesRequest;
import dev.prism.runtime.rpc.ReportWorkerFailureRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.UnregisterNodeRequest;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TokenAuth;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A blocking client of the GCS. Every call has a deadline ({@link #rpcTimeout()}); a failed call
 * throws {@link GcsException} whose cause is the gRPC {@link StatusRuntimeException} (read its code
 * with {@link GcsException#statusCode()}). When the GCS refuses a request (a malformed or duplicate
 * actor, an unknown node) the exception's message is the GCS's own description, which names the
 * problem and what to do. Thread safe; close it to release the channel.
 */
public final class GcsClient implements AutoCloseable {

  /** The default deadline of each call: 10 seconds. */
  public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(10);

  /** Codes the GCS answers with on purpose; their description is the whole message. */
  private static final Set<Status.Code> REFUSALS =
      EnumSet.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.ALREADY_EXISTS,
          Status.Code.NOT_FOUND,
          Status.Code.FAILED_PRECONDITION);

  private final String address;
  private final Duration rpcTimeout;
  private final ManagedChannel channel;
  private final GcsServiceGrpc.GcsServiceBlockingStub stub;

  private GcsClient(String address, Duration rpcTimeout, ManagedChannel channel) {
    this.address = address;
    this.rpcTimeout = rpcTimeout;
    this.channel = channel;
    this.stub = GcsServiceGrpc.newBlockingStub(channel);
  }

  /**
   * Connects to a GCS with the default call deadline. Connecting is lazy: an unreachable GCS shows
   * on the first call.
   *
   * @param address {@code host:port}
   * @return the client
   * @throws GcsException if the address is not {@code host:port}
   */
  public static GcsClient connect(String address) {
    return connect(address, DEFAULT_RPC_TIMEOUT);
  }

  /**
   * Connects to a GCS with this process's default cluster token ({@link
   * ClusterToken#processDefault()}).
   *
   * @param address {@code host:port}
   * @param rpcTimeout the deadline of each call, positive
   * @return the client
   * @throws GcsException if the address is not {@code host:port} or the timeout not positive
   */
  public static GcsClient connect(String address, Duration rpcTimeout) {
    return connect(address, rpcTimeout, ClusterToken.processDefault());
  }

  /**
   * Connects to a GCS. Every call carries the token; a GCS that refuses it fails each call with a
   * {@link GcsException} whose cause has the status UNAUTHENTICATED ({@link TokenAuth#isRefusal}).
   *
   * @param address {@code host:port}
   * @param rpcTimeout the deadline of each call, positive
   * @param token the cluster's token
   * @return the client
   * @throws GcsException if the address is not {@code host:port} or the timeout not positive
   */
  public static GcsClient connect(String address, Duration rpcTimeout, ClusterToken token) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(rpcTimeout, "rpcTimeout");
    checkHostPort(address);
    if (rpcTimeout.isNegative() || rpcTimeout.isZero()) {
      throw new GcsException("GCS rpcTimeout " + rpcTimeout + " must be positive, e.g. PT10S");
    }
    ManagedChannel channel = Rpc.channel(address, token).build();
    return new GcsClient(address, rpcTimeout, channel);
  }

  static void checkHostPort(String address) {
    int colon = address.lastIndexOf(':');
    boolean ok = colon > 0 && colon < address.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(address.substring(colon + 1));
        ok = port > 0 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new GcsException(
          "GCS address '" + address + "' is not host:port; give e.g. 127.0.0.1:6379");
    }
  }

  /**
   * Returns the address this client talks to.
   *
   * @return {@code host:port}
   */
  public String address() {
    return address;
  }

  /**
   * Returns the deadline of each call.
   *
   * @return the timeout
   */
  public Duration rpcTimeout() {
    return rpcTimeout;
  }

  private <T> T call(String what, Function<GcsServiceGrpc.GcsServiceBlockingStub, T> rpc) {
    return call(what, rpcTimeout, rpc);
  }

  private <T> T call(
      String what, Duration deadline, Function<GcsServiceGrpc.GcsServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      if (REFUSALS.contains(s.getCode()) && s.getDescription() != null) {
        throw new GcsException(s.getDescription(), e);
      }
      throw new GcsException(
          "GCS call "
              + what
              + " to "
              + address
              + " failed: "
              + s.getCode()
              + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")")
              + (s.getCode() == Status.Code.UNAVAILABLE
                      || s.getCode() == Status.Code.DEADLINE_EXCEEDED
                  ? "; check that the GCS is running at " + address
                  : ""),
          e);
    }
  }

  /**
   * Registers a node as alive (again, if it registered before).
   *
   * @param node the node: id, node manager address, store socket, totals, labels
   */
  public void registerNode(NodeInfo node) {
    call(
        "RegisterNode",
        s -> s.registerNode(RegisterNodeRequest.newBuilder().setNode(node).build()));
  }

  /**
   * Marks a node dead because it is leaving.
   *
   * @param nodeId the node id
   */
  public void unregisterNode(String nodeId) {
    call(
        "UnregisterNode",
        s -> s.unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId(nodeId).build()));
  }

  /**
   * Reports what a node has available; also its heartbeat.
   *
   * @param nodeId the node id
   * @param available the available amounts (fixed point)
   * @return the cluster view: every node, alive and dead
   * @throws GcsException with status {@code NOT_FOUND} if the node is not registered, or {@code
   *     FAILED_PRECONDITION} if it was declared dead
   */
  public List<NodeInfo> reportResources(String nodeId, ResourceAmounts available) {
    return reportResources(nodeId, available, List.of());
  }

  /**
   * Reports a node's available resources and the resource shapes it answered infeasible recently
   * (they replace what it reported before), and returns the cluster view.
   *
   * @param nodeId the reporting node
   * @param available what it has available now
   * @param infeasible the shapes no node of the cluster can fit that it was asked for recently
   * @return every node, alive and dead
   * @throws GcsException if the call fails (NOT_FOUND: the node is not registered)
   */
  public List<NodeInfo> reportResources(
      String nodeId,
      ResourceAmounts available,
      List<dev.prism.runtime.rpc.InfeasibleDemand> infeasible) {
    return call(
        "ReportResources",
        s ->
            s.reportResources(
                    ReportResourcesRequest.newBuilder()
                        .setNodeId(nodeId)
                        .setAvailable(available)
                        .addAllInfeasibleDemands(infeasible)
                        .build())
                .getNodesList());
  }

  /**
   * Returns every node, alive and dead.
   *
   * @return the nodes, in registration order
   */
  public List<NodeInfo> getAllNodes() {
    return call(
        "GetAllNodes", s -> s.getAllNodes(GetAllNodesRequest.getDefaultInstance()).getNodesList());
  }

  /**
   * Registers a job and returns its id.
   *
   * @param driver the driver's core worker address
   * @return the job id: 4 bytes, big-endian, handed out in order from 1
   */
  public ByteString registerJob(Address driver) {
    return call(
        "RegisterJob",
        s -> s.registerJob(RegisterJobRequest.newBuilder().setDriver(driver).build()).getJobId());
  }

  /**
   * Stores a value.
   *
   * @param namespace the namespace ("" is a namespace too)
   * @param key the key
   * @param value the value
   * @param overwrite whether to replace an existing value
   * @return true when the key was new
   */
  public boolean kvPut(String namespace, String key, byte[] value, boolean overwrite) {
    return call(
        "KvPut",
        s ->
            s.kvPut(
                    KvPutRequest.newBuilder()
                        .setNamespace(namespace)
                        .setKey(key)
                        .setValue(ByteString.copyFrom(value))
                        .setOverwrite(overwrite)
                        .build())
                .getAdded());
  }

  /**
   * Reads a value.
   *
   * @param namespace the namespace
   * @param key the key
   * @return the value, or empty when absent
   */
  public Optional<byte[]> kvGet(String namespace, String key) {
    KvGetReply reply =
        call(
            "KvGet",
            s -> s.kvGet(KvGetRequest.newBuilder().setNamespace(namespace).setKey(key).build()));
    return reply.getFound() ? Optional.of(reply.getValue().toByteArray()) : Optional.empty();
  }

  /**
   * Deletes a key.
   *
   * @param namespace the namespace
   * @param key the key
   * @return true when it existed
   */
  public boolean kvDelete(String namespace, String key) {
    return call(
        "KvDelete",
        s ->
            s.kvDelete(KvDeleteRequest.newBuilder().setNamespace(namespace).setKey(key).build())
                .getDeleted());
  }

  /**
   * Lists the keys of a namespace that start with a prefix.
   *
   * @param namespace the namespace
   * @param prefix the prefix ("" for all keys)
   * @return the keys, sorted
   */
  public List<String> kvKeys(String namespace, String prefix) {
    return call(
        "KvKeys",
        s ->
            s.kvKeys(KvKeysRequest.newBuilder().setNamespace(namespace).setPrefix(prefix).build())
                .getKeysList());
  }

  /**
   * Tells the GCS that a job ended: its actors that are not detached are destroyed.
   *
   * @param jobId the job id (as {@link #registerJob} returned it)
   */
  public void markJobFinished(ByteString jobId) {
    call(
        "MarkJobFinished",
        s -> s.markJobFinished(MarkJobFinishedRequest.newBuilder().setJobId(jobId).build()));
  }

  /**
   * Registers an actor; the GCS then places and creates it asynchronously (watch it with {@link
   * #getActor(ByteString, long, Duration)}).
   *
   * @param spec the creation spec: a fresh 16-byte actor id, the function, the owner
   * @return the actor as registered: PENDING_CREATION, version 1
   * @throws GcsException with {@link GcsException#isAlreadyExists()} when the id or the name (in
   *     its namespace) is taken, or status {@code INVALID_ARGUMENT} for a malformed spec; the
   *     message says what is wrong
   */
  public ActorInfo registerActor(ActorCreationSpec spec) {
    return call(
        "RegisterActor",
        s -> s.registerActor(RegisterActorRequest.newBuilder().setSpec(spec).build()).getActor());
  }

  /**
   * Looks an actor up by id.
   *
   * @param actorId the 16-byte id
   * @return the actor, or empty when the GCS does not know it
   */
  public Optional<ActorInfo> getActor(ByteString actorId) {
    return found(
        call(
            "GetActor", s -> s.getActor(GetActorRequest.newBuilder().setActorId(actorId).build())));
  }

  /**
   * Looks an actor up by name: the live actor of that name, or (when none is live) the last DEAD
   * one.
   *
   * @param name the actor's name
   * @param namespace its namespace
   * @return the actor, or empty when no actor ever had that name there
   */
  public Optional<ActorInfo> getActor(String name, String namespace) {
    return found(
        call(
            "GetActor",
            s ->
                s.getActor(
                    GetActorRequest.newBuilder().setName(name).setNamespace(namespace).build())));
  }

  /**
   * Waits (long poll) until an actor's version is above {@code afterVersion}, or the wait ends, and
   * returns its info then. The GCS caps a wait at 60 seconds.
   *
   * @param actorId the 16-byte id
   * @param afterVersion the version the caller knows; 0 answers at once
   * @param wait how long to wait at most
   * @return the actor (with its version unchanged when the wait ended first), or empty when the GCS
   *     does not know it
   */
  public Optional<ActorInfo> getActor(ByteString actorId, long afterVersion, Duration wait) {
    return found(
        call(
            "GetActor",
            rpcTimeout.plus(wait),
            s ->
                s.getActor(
                    GetActorRequest.newBuilder()
                        .setActorId(actorId)
                        .setAfterVersion(afterVersion)
                        .setTimeoutMs(Math.max(1, wait.toMillis()))
                        .build())));
  }

  private static Optional<ActorInfo> found(GetActorReply reply) {
    return reply.getFound() ? Optional.of(reply.getActor()) : Optional.empty();
  }

  /**
   * Kills an actor: its process is killed at once; it restarts (counting a restart) unless {@code
   * noRestart}.
   *
   * @param actorId the 16-byte id
   * @param noRestart whether it is DEAD for good
   * @param reason why, for its death cause ("" for the default)
   * @param outOfScope sent by the owner when the last handle went away: ignored for detached and
   *     named actors
   * @return false when the GCS does not know the actor
   */
  public boolean killActor(
      ByteString actorId, boolean noRestart, String reason, boolean outOfScope) {
    return call(
        "KillActor",
        s ->
            s.killActor(
                    KillActorRequest.newBuilder()
                        .setActorId(actorId)
                        .setNoRestart(noRestart)
                        .setReason(reason)
                        .setOutOfScope(outOfScope)
                        .build())
                .getFound());
  }

  /**
   * Lists every actor the GCS knows, including the most recent DEAD ones.
   *
   * @return the actors, in registration order
   */
  public List<ActorInfo> listActors() {
    return call(
        "ListActors", s -> s.listActors(ListActorsRequest.getDefaultInstance()).getActorsList());
  }

  /**
   * Lists every placement group the GCS knows, removed ones included.
   *
   * @return them
   * @throws GcsException if the GCS cannot be reached
   */
  public List<dev.prism.runtime.rpc.PlacementGroupInfo> listPlacementGroups() {
    return call(
        "ListPlacementGroups",
        s ->
            s.listPlacementGroups(
                    dev.prism.runtime.rpc.ListPlacementGroupsRequest.getDefaultInstance())
                .getGroupsList());
  }

  /**
   * Lists every job the GCS knows, finished ones included.
   *
   * @return them, in the order they registered
   * @throws GcsException if the GCS cannot be reached
   */
  public List<dev.prism.runtime.rpc.JobInfo> listJobs() {
    return call(
        "ListJobs",
        s -> s.listJobs(dev.prism.runtime.rpc.ListJobsRequest.getDefaultInstance()).getJobsList());
  }

  /**
   * The task attempts the GCS keeps from task events, with how many were dropped.
   *
   * @param limit at most this many, the newest (0: all kept)
   * @param jobId only this job's (empty: every job's)
   * @return the attempts (oldest first) and the drop counts
   * @throws GcsException if the GCS cannot be reached
   */
  public dev.prism.runtime.rpc.GetTaskEventsReply getTaskEvents(int limit, ByteString jobId) {
    return call(
        "GetTaskEvents",
        s ->
            s.getTaskEvents(
                dev.prism.runtime.rpc.GetTaskEventsRequest.newBuilder()
                    .setLimit(limit)
                    .setJobId(jobId)
                    .build()));
  }

  /**
   * Reports that a worker process died (node managers report every worker death): the actor it
   * hosted restarts or dies, the actors it owned that are not detached are destroyed.
   *
   * @param nodeId the worker's node
   * @param workerId the worker's id
   * @param pid its process id
   * @param exitCode its exit code
   * @param reason why it died, for the actors' death causes ("" gives the exit code)
   */
  public void reportWorkerFailure(
      String nodeId, String workerId, int pid, int exitCode, String reason) {
    call(
        "ReportWorkerFailure",
        s ->
            s.reportWorkerFailure(
                ReportWorkerFailureRequest.newBuilder()
                    .setNodeId(nodeId)
                    .setWorkerId(workerId)
                    .setPid(pid)
                    .setExitCode(exitCode)
                    .setReason(reason)
                    .build()));
  }

  /** Closes the channel. Idempotent. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
