package dev.prism;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.CreatePlacementGroupRequest;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetPlacementGroupReply;
import dev.prism.runtime.rpc.GetPlacementGroupRequest;
import dev.prism.runtime.rpc.PlacementGroupInfo;
import dev.prism.runtime.rpc.PlacementStrategyProto;
import dev.prism.runtime.rpc.RemovePlacementGroupRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.scheduler.FixedPoint;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Creates, finds and removes {@link PlacementGroup}s (Ray's {@code placement_group} API). Creation
 * returns at once with a PENDING group; the cluster reserves its bundles in the background
 * (prepared on every chosen node, then committed) and retries while resources are short. A group no
 * cluster node can hold (e.g. STRICT_SPREAD over more bundles than nodes) stays PENDING with the
 * reason until nodes that fit it join. Groups a driver created are removed when it shuts down.
 */
public final class PlacementGroups {

  private PlacementGroups() {}

  /**
   * Creates a placement group.
   *
   * @param bundles the bundles, each a map of resource name to amount (e.g. {@code CPU=1})
   * @param strategy how to spread the bundles over nodes
   * @return the group, PENDING until it is reserved (see {@link PlacementGroup#waitUntilReady})
   * @throws IllegalArgumentException if there are no bundles, a bundle is empty, an amount is
   *     negative or not finite, or the strategy is null
   * @throws PrismException if Prism is not initialized
   */
  public static PlacementGroup create(
      List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    return create("", bundles, strategy);
  }

  /**
   * Creates a named placement group (the name is unique in the job's namespace while the group
   * exists).
   *
   * @param name the name, or empty for none
   * @param bundles the bundles, each a map of resource name to amount
   * @param strategy how to spread the bundles over nodes
   * @return the group
   * @throws IllegalArgumentException on bad bundles or strategy, or when the name is taken
   * @throws PrismException if Prism is not initialized
   */
  public static PlacementGroup create(
      String name, List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    if (strategy == null) {
      throw new IllegalArgumentException(
          "the placement strategy is null; give PACK, SPREAD," + " STRICT_PACK or STRICT_SPREAD");
    }
    if (bundles == null || bundles.isEmpty()) {
      throw new IllegalArgumentException(
          "a placement group needs at least one bundle, e.g." + " List.of(Map.of(\"CPU\", 1.0))");
    }
    CoreWorker w = CoreWorker.current();
    CreatePlacementGroupRequest.Builder r =
        CreatePlacementGroupRequest.newBuilder()
            .setStrategy(PlacementStrategyProto.valueOf(strategy.name()))
            .setName(name == null ? "" : name)
            .setNamespace(w.namespace())
            .setCreatorJobId(w.jobId());
    List<Map<String, Double>> copies = new ArrayList<>();
    for (int i = 0; i < bundles.size(); i++) {
      Map<String, Double> b = bundles.get(i);
      if (b == null || b.isEmpty()) {
        throw new IllegalArgumentException(
            "bundle "
                + i
                + " is empty; give every bundle at least"
                + " one resource, e.g. Map.of(\"CPU\", 1.0)");
      }
      ResourceAmounts.Builder amounts = ResourceAmounts.newBuilder();
      for (Map.Entry<String, Double> e : new TreeMap<>(b).entrySet()) {
        Double v = e.getValue();
        if (e.getKey() == null
            || e.getKey().isBlank()
            || v == null
            || !Double.isFinite(v)
            || v < 0) {
          throw new IllegalArgumentException(
              "bundle "
                  + i
                  + " asks for "
                  + e.getKey()
                  + "="
                  + v
                  + "; give a resource name and a finite amount of 0 or more");
        }
        try {
          dev.prism.scheduler.ResourceSet.of(e.getKey(), v);
        } catch (dev.prism.scheduler.InvalidResourceException bad) {
          throw new IllegalArgumentException("bundle " + i + ": " + bad.getMessage(), bad);
        }
        if (v > 0) {
          amounts.putAmounts(e.getKey(), FixedPoint.toFixed(e.getKey(), v));
        }
      }
      if (amounts.getAmountsCount() == 0) {
        throw new IllegalArgumentException(
            "bundle "
                + i
                + " "
                + b
                + " asks for nothing; give"
                + " every bundle a positive amount of some resource");
      }
      copies.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b)));
      r.addBundles(amounts);
    }
    try {
      PlacementGroupInfo info = stub(0).createPlacementGroup(r.build()).getGroup();
      return new PlacementGroup(info, copies);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT
          || e.getStatus().getCode() == io.grpc.Status.Code.ALREADY_EXISTS) {
        throw new IllegalArgumentException(e.getStatus().getDescription(), e);
      }
      throw new PrismException("could not create the placement group: " + e.getStatus(), e);
    }
  }

  /**
   * Removes a placement group: its bundles go back to their nodes, workers running in them are
   * stopped, and new tasks or actors into it are refused. Idempotent.
   *
   * @param group the group
   * @throws IllegalArgumentException if the group is null
   */
  public static void remove(PlacementGroup group) {
    if (group == null) {
      throw new IllegalArgumentException("the placement group is null");
    }
    try {
      stub(0)
          .removePlacementGroup(
              RemovePlacementGroupRequest.newBuilder().setPlacementGroupId(group.rawId()).build());
    } catch (StatusRuntimeException e) {
      throw new PrismException(
          "could not remove placement group " + group.id() + ": " + e.getStatus(), e);
    }
  }

  /**
   * Finds a placement group by id.
   *
   * @param id the id ({@link PlacementGroup#id()})
   * @return the group, or empty when the cluster does not know it (or it was removed)
   */
  public static Optional<PlacementGroup> get(String id) {
    ByteString raw;
    try {
      raw = ByteString.copyFrom(HexFormat.of().parseHex(id));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("placement group id '" + id + "' is not hex", e);
    }
    return found(
        stub(0)
            .getPlacementGroup(
                GetPlacementGroupRequest.newBuilder().setPlacementGroupId(raw).build()));
  }

  /**
   * Finds a placement group by name in this job's namespace.
   *
   * @param name the name
   * @return the group, or empty when none has that name
   */
  public static Optional<PlacementGroup> getByName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the placement group name is null or blank");
    }
    return found(
        stub(0)
            .getPlacementGroup(
                GetPlacementGroupRequest.newBuilder()
                    .setName(name)
                    .setNamespace(CoreWorker.current().namespace())
                    .build()));
  }

  private static Optional<PlacementGroup> found(GetPlacementGroupReply reply) {
    if (!reply.getFound()) {
      return Optional.empty();
    }
    List<Map<String, Double>> bundles = new ArrayList<>();
    for (ResourceAmounts a : reply.getGroup().getBundlesList()) {
      Map<String, Double> m = new LinkedHashMap<>();
      a.getAmountsMap().forEach((k, v) -> m.put(k, FixedPoint.toDouble(v)));
      bundles.add(java.util.Collections.unmodifiableMap(m));
    }
    return Optional.of(new PlacementGroup(reply.getGroup(), bundles));
  }

  static GcsServiceGrpc.GcsServiceBlockingStub stub(long waitMs) {
    return GcsServiceGrpc.newBlockingStub(CoreWorker.current().gcsChannel())
        .withDeadlineAfter(10_000 + waitMs, TimeUnit.MILLISECONDS);
  }
}
