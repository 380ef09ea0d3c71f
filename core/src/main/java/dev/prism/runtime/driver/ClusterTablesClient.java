package dev.prism.runtime.driver;

import com.google.protobuf.ByteString;
import dev.prism.NodeInfo;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.KvDeleteRequest;
import dev.prism.runtime.rpc.KvGetReply;
import dev.prism.runtime.rpc.KvGetRequest;
import dev.prism.runtime.rpc.KvKeysRequest;
import dev.prism.runtime.rpc.KvPutRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.scheduler.FixedPoint;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The node table and the key-value store of the GCS, for one caller: each request bounded by the
 * control timeout; failures as {@link PrismException} naming the request.
 */
final class ClusterTablesClient {

  private final CoreWorker worker;
  private final Duration controlTimeout;

  ClusterTablesClient(CoreWorker worker, Duration controlTimeout) {
    this.worker = worker;
    this.controlTimeout = controlTimeout;
  }

  List<NodeInfo> nodes() {
    List<NodeInfo> out = new ArrayList<>();
    for (dev.prism.runtime.rpc.NodeInfo n :
        call("list the nodes", s -> s.getAllNodes(GetAllNodesRequest.getDefaultInstance()))
            .getNodesList()) {
      out.add(
          new NodeInfo(
              n.getNodeId(),
              n.getAddress().getHost(),
              n.getAlive(),
              n.getDeathReason(),
              amounts(n.getTotal()),
              amounts(n.getAvailable()),
              n.getLabelsMap()));
    }
    return out;
  }

  void kvPut(String key, byte[] value) {
    call(
        "store key " + key,
        s ->
            s.kvPut(
                KvPutRequest.newBuilder()
                    .setNamespace(worker.namespace())
                    .setKey(key)
                    .setValue(ByteString.copyFrom(value))
                    .setOverwrite(true)
                    .build()));
  }

  Optional<byte[]> kvGet(String key) {
    KvGetReply reply =
        call(
            "read key " + key,
            s ->
                s.kvGet(
                    KvGetRequest.newBuilder()
                        .setNamespace(worker.namespace())
                        .setKey(key)
                        .build()));
    return reply.getFound() ? Optional.of(reply.getValue().toByteArray()) : Optional.empty();
  }

  boolean kvDelete(String key) {
    return call(
            "delete key " + key,
            s ->
                s.kvDelete(
                    KvDeleteRequest.newBuilder()
                        .setNamespace(worker.namespace())
                        .setKey(key)
                        .build()))
        .getDeleted();
  }

  List<String> kvKeys(String prefix) {
    List<String> keys =
        new ArrayList<>(
            call(
                    "list keys " + prefix + "*",
                    s ->
                        s.kvKeys(
                            KvKeysRequest.newBuilder()
                                .setNamespace(worker.namespace())
                                .setPrefix(prefix)
                                .build()))
                .getKeysList());
    keys.sort(null);
    return keys;
  }

  private static Map<String, Double> amounts(ResourceAmounts fixed) {
    Map<String, Double> out = new TreeMap<>();
    fixed.getAmountsMap().forEach((k, v) -> out.put(k, FixedPoint.toDouble(v)));
    return out;
  }

  private <R> R call(String what, Function<GcsServiceGrpc.GcsServiceBlockingStub, R> rpc) {
    try {
      return rpc.apply(
          GcsServiceGrpc.newBlockingStub(worker.gcsChannel())
              .withDeadlineAfter(controlTimeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw new PrismException("could not " + what + " at the GCS: " + e.getStatus(), e);
    }
  }
}
