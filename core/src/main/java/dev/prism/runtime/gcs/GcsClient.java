package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.KvDeleteRequest;
import dev.prism.runtime.rpc.KvGetReply;
import dev.prism.runtime.rpc.KvGetRequest;
import dev.prism.runtime.rpc.KvKeysRequest;
import dev.prism.runtime.rpc.KvPutRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.RegisterJobRequest;
import dev.prism.runtime.rpc.RegisterNodeRequest;
import dev.prism.runtime.rpc.ReportResourcesRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.UnregisterNodeRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A blocking client of the GCS. Every call has a deadline ({@link #rpcTimeout()}); a failed call
 * throws {@link GcsException} whose cause is the gRPC {@link StatusRuntimeException} (read its
 * code with {@link Status#fromThrowable}). Thread safe; close it to release the channel.
 */
public final class GcsClient implements AutoCloseable {

  /** The default deadline of each call: 10 seconds. */
  public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(10);

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
   * Connects to a GCS with the default call deadline. Connecting is lazy: an unreachable GCS
   * shows on the first call.
   *
   * @param address {@code host:port}
   * @return the client
   * @throws GcsException if the address is not {@code host:port}
   */
  public static GcsClient connect(String address) {
    return connect(address, DEFAULT_RPC_TIMEOUT);
  }

  /**
   * Connects to a GCS.
   *
   * @param address {@code host:port}
   * @param rpcTimeout the deadline of each call, positive
   * @return the client
   * @throws GcsException if the address is not {@code host:port} or the timeout not positive
   */
  public static GcsClient connect(String address, Duration rpcTimeout) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(rpcTimeout, "rpcTimeout");
    checkHostPort(address);
    if (rpcTimeout.isNegative() || rpcTimeout.isZero()) {
      throw new GcsException("GCS rpcTimeout " + rpcTimeout + " must be positive, e.g. PT10S");
    }
    ManagedChannel channel =
        Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
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
    try {
      return rpc.apply(stub.withDeadlineAfter(rpcTimeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      throw new GcsException("GCS call " + what + " to " + address + " failed: " + s.getCode()
          + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")")
          + (s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED
              ? "; check that the GCS is running at " + address : ""), e);
    }
  }

  /**
   * Registers a node as alive (again, if it registered before).
   *
   * @param node the node: id, node manager address, store socket, totals, labels
   */
  public void registerNode(NodeInfo node) {
    call("RegisterNode",
        s -> s.registerNode(RegisterNodeRequest.newBuilder().setNode(node).build()));
  }

  /**
   * Marks a node dead because it is leaving.
   *
   * @param nodeId the node id
   */
  public void unregisterNode(String nodeId) {
    call("UnregisterNode",
        s -> s.unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId(nodeId).build()));
  }

  /**
   * Reports what a node has available; also its heartbeat.
   *
   * @param nodeId the node id
   * @param available the available amounts (fixed point)
   * @return the cluster view: every node, alive and dead
   * @throws GcsException with status {@code NOT_FOUND} if the node is not registered, or
   *     {@code FAILED_PRECONDITION} if it was declared dead
   */
  public List<NodeInfo> reportResources(String nodeId, ResourceAmounts available) {
    return call("ReportResources", s -> s.reportResources(ReportResourcesRequest.newBuilder()
        .setNodeId(nodeId).setAvailable(available).build()).getNodesList());
  }

  /**
   * Returns every node, alive and dead.
   *
   * @return the nodes, in registration order
   */
  public List<NodeInfo> getAllNodes() {
    return call("GetAllNodes",
        s -> s.getAllNodes(GetAllNodesRequest.getDefaultInstance()).getNodesList());
  }

  /**
   * Registers a job and returns its id.
   *
   * @param driver the driver's core worker address
   * @return the job id: 4 bytes, big-endian, handed out in order from 1
   */
  public ByteString registerJob(Address driver) {
    return call("RegisterJob",
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
    return call("KvPut", s -> s.kvPut(KvPutRequest.newBuilder().setNamespace(namespace)
        .setKey(key).setValue(ByteString.copyFrom(value)).setOverwrite(overwrite).build())
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
    KvGetReply reply = call("KvGet",
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
    return call("KvDelete", s -> s.kvDelete(
        KvDeleteRequest.newBuilder().setNamespace(namespace).setKey(key).build()).getDeleted());
  }

  /**
   * Lists the keys of a namespace that start with a prefix.
   *
   * @param namespace the namespace
   * @param prefix the prefix ("" for all keys)
   * @return the keys, sorted
   */
  public List<String> kvKeys(String namespace, String prefix) {
    return call("KvKeys", s -> s.kvKeys(
        KvKeysRequest.newBuilder().setNamespace(namespace).setPrefix(prefix).build()).getKeysList());
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
