package dev.prism.runtime.driver;

import dev.prism.PlacementGroup;
import dev.prism.PlacementStrategy;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.CreatePlacementGroupRequest;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetPlacementGroupReply;
import dev.prism.runtime.rpc.GetPlacementGroupRequest;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementStrategyProto;
import dev.prism.runtime.rpc.RemovePlacementGroupRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.spi.PlacementGroupSnapshot;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.scheduler.FixedPoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The placement-group requests of one caller to the GCS. Each request may take the control timeout,
 * plus the time the caller lets the GCS hold it while a group is pending; a GCS that refuses a
 * request as invalid gives {@link IllegalArgumentException}, other failures {@link PrismException}.
 */
final class PlacementGroupClient {

  private final CoreWorker worker;
  private final Duration controlTimeout;

  PlacementGroupClient(CoreWorker worker, Duration controlTimeout) {
    this.worker = worker;
    this.controlTimeout = controlTimeout;
  }

  PlacementGroupSnapshot create(
      String name, List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    CreatePlacementGroupRequest.Builder r =
        CreatePlacementGroupRequest.newBuilder()
            .setStrategy(PlacementStrategyProto.valueOf(strategy.name()))
            .setName(name)
            .setNamespace(worker.namespace())
            .setCreatorJobId(worker.jobId());
    for (Map<String, Double> bundle : bundles) {
      r.addBundles(WireForms.resources(new TreeMap<>(bundle)));
    }
    try {
      return snapshot(stub(Duration.ZERO).createPlacementGroup(r.build()).getGroup());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT
          || e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
        throw new IllegalArgumentException(e.getStatus().getDescription(), e);
      }
      throw new PrismException("could not create the placement group: " + e.getStatus(), e);
    }
  }

  void remove(String id) {
    try {
      stub(Duration.ZERO)
          .removePlacementGroup(
              RemovePlacementGroupRequest.newBuilder()
                  .setPlacementGroupId(WireForms.groupId(id))
                  .build());
    } catch (StatusRuntimeException e) {
      throw new PrismException("could not remove placement group " + id + ": " + e.getStatus(), e);
    }
  }

  /**
   * Gets a group by id; with a wait, the GCS answers once it is not pending or the wait is over.
   */
  Optional<PlacementGroupSnapshot> get(String id, Duration wait) {
    return found(
        "placement group " + id,
        wait,
        GetPlacementGroupRequest.newBuilder()
            .setPlacementGroupId(WireForms.groupId(id))
            .setWaitUntilReadyMs(wait.toMillis())
            .build());
  }

  Optional<PlacementGroupSnapshot> getByName(String name) {
    return found(
        "placement group '" + name + "'",
        Duration.ZERO,
        GetPlacementGroupRequest.newBuilder()
            .setName(name)
            .setNamespace(worker.namespace())
            .build());
  }

  private Optional<PlacementGroupSnapshot> found(
      String what, Duration wait, GetPlacementGroupRequest request) {
    GetPlacementGroupReply reply;
    try {
      reply = stub(wait).getPlacementGroup(request);
    } catch (StatusRuntimeException e) {
      throw new PrismException("could not get " + what + ": " + e.getStatus(), e);
    }
    return reply.getFound() ? Optional.of(snapshot(reply.getGroup())) : Optional.empty();
  }

  private static PlacementGroupSnapshot snapshot(PlacementGroupInfo info) {
    List<Map<String, Double>> bundles = new ArrayList<>();
    for (ResourceAmounts a : info.getBundlesList()) {
      Map<String, Double> m = new LinkedHashMap<>();
      a.getAmountsMap().forEach((k, v) -> m.put(k, FixedPoint.toDouble(v)));
      bundles.add(m);
    }
    return new PlacementGroupSnapshot(
        HexFormat.of().formatHex(info.getPlacementGroupId().toByteArray()),
        info.getName(),
        PlacementStrategy.valueOf(info.getStrategy().name()),
        bundles,
        switch (info.getState()) {
          case PG_CREATED -> PlacementGroup.State.CREATED;
          case PG_REMOVED -> PlacementGroup.State.REMOVED;
          default -> PlacementGroup.State.PENDING;
        },
        info.getPendingReason(),
        info.getBundleNodeIdsList());
  }

  private GcsServiceGrpc.GcsServiceBlockingStub stub(Duration wait) {
    return GcsServiceGrpc.newBlockingStub(worker.gcsChannel())
        .withDeadlineAfter(controlTimeout.plus(wait).toNanos(), TimeUnit.NANOSECONDS);
  }
}
