package dev.prism.runtime.worker;

import com.google.protobuf.UnsafeByteOperations;
import dev.prism.GetTimeoutException;
import dev.prism.ObjectLostException;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.FetchObjectRequest;
import dev.prism.runtime.rpc.ObjectManagerServiceGrpc;
import dev.prism.store.ObjectId;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Objects that live in another node's store: asks this node's node manager to pull a copy into the
 * local store ({@code FetchObject}), after which the object reads like a local one.
 */
final class RemoteObjects {

  private final String nodeId;
  private final ObjectManagerServiceGrpc.ObjectManagerServiceBlockingStub objects;

  /**
   * @param nodeId this node, for messages
   * @param nodeManager the channel to this node's node manager
   */
  RemoteObjects(String nodeId, Channel nodeManager) {
    this.nodeId = nodeId;
    this.objects = ObjectManagerServiceGrpc.newBlockingStub(nodeManager);
  }

  /**
   * Makes sure {@code id}, which lives on node {@code sourceNode}, has a copy in this node's store.
   *
   * @param deadline {@link System#nanoTime()} deadline, or {@link Long#MAX_VALUE} for none
   * @param timeout the caller's timeout, for the message (null for none)
   * @throws GetTimeoutException if the copy did not arrive in time
   * @throws ObjectLostException if it cannot be fetched (the node is dead or unknown, or no longer
   *     has the object)
   */
  void fetch(ObjectId id, String sourceNode, long deadline, Duration timeout) {
    ObjectManagerServiceGrpc.ObjectManagerServiceBlockingStub stub = objects;
    if (deadline != Long.MAX_VALUE) {
      stub =
          stub.withDeadlineAfter(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    try {
      stub.fetchObject(
          FetchObjectRequest.newBuilder()
              .setObjectId(UnsafeByteOperations.unsafeWrap(id.toBytes()))
              .setSourceNodeId(sourceNode)
              .build());
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      String why = s.getDescription() != null ? s.getDescription() : s.getCode().toString();
      switch (s.getCode()) {
        case DEADLINE_EXCEEDED ->
            throw new GetTimeoutException(
                "object "
                    + id
                    + " (on node "
                    + sourceNode
                    + ") was not copied to node "
                    + nodeId
                    + " within "
                    + (timeout != null ? timeout : "the deadline"));
        case CANCELLED ->
            throw new PrismException(
                "fetching object " + id + " from node " + sourceNode + " was cancelled: " + why, e);
        // Not lost: this node's store is full. Rebuilding it would not help.
        case RESOURCE_EXHAUSTED ->
            throw new PrismException(
                "object "
                    + id
                    + " (on node "
                    + sourceNode
                    + ") cannot be copied to node "
                    + nodeId
                    + ": "
                    + why,
                e);
        default ->
            throw new ObjectLostException(
                "object "
                    + id
                    + " lives in the store of node "
                    + sourceNode
                    + " and cannot be read on node "
                    + nodeId
                    + ": "
                    + why);
      }
    }
  }
}
