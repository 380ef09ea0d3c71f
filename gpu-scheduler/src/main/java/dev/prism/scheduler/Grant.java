package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resources taken from a node (or from a committed bundle on it) for one task, actor or lease:
 * which node, which amounts and which GPU devices. Hand it back with {@link
 * NodeResources#free(Grant)} or {@link ClusterResourceView#free(Grant)}, which returns exactly what
 * it took. The values never change; the grant only records whether it was freed.
 */
public final class Grant {
  private final NodeId node;
  private final BundleId bundle;
  private final ResourceRequest request;
  private final List<GpuShare> gpuShares;
  final ResourcePool origin;
  boolean released;

  Grant(
      NodeId node,
      BundleId bundle,
      ResourceRequest request,
      List<GpuShare> gpuShares,
      ResourcePool origin) {
    this.node = node;
    this.bundle = bundle;
    this.request = request;
    this.gpuShares = gpuShares;
    this.origin = origin;
  }

  /**
   * Returns the node the resources were taken from.
   *
   * @return the node id
   */
  public NodeId nodeId() {
    return node;
  }

  /**
   * Returns the bundle the resources were taken from, if any.
   *
   * @return the concrete bundle (never {@link BundleId#ANY}), or empty for node resources
   */
  public Optional<BundleId> bundle() {
    return Optional.ofNullable(bundle);
  }

  /**
   * Returns the granted amounts.
   *
   * @return the resources
   */
  public ResourceSet resources() {
    return request.resources();
  }

  /**
   * Returns the request the grant satisfied.
   *
   * @return the request
   */
  public ResourceRequest request() {
    return request;
  }

  /**
   * Returns the GPU device shares, ordered by device index.
   *
   * @return the shares; empty without GPU
   */
  public List<GpuShare> gpuShares() {
    return gpuShares;
  }

  /**
   * Returns the {@code CUDA_VISIBLE_DEVICES} tokens of the granted devices.
   *
   * @return the ids, ordered by device index
   */
  public List<String> gpuIds() {
    List<String> ids = new ArrayList<>(gpuShares.size());
    for (GpuShare s : gpuShares) {
      ids.add(s.visibleId());
    }
    return List.copyOf(ids);
  }

  /**
   * Returns the environment the worker for this grant must get.
   *
   * @return the {@code CUDA_VISIBLE_DEVICES} value and the ids {@code gpuIds()} reports
   */
  public WorkerEnvironment workerEnvironment() {
    return WorkerEnvironment.of(gpuIds());
  }

  /**
   * Returns whether the grant was freed.
   *
   * @return true after a free
   */
  public boolean isReleased() {
    return released;
  }

  @Override
  public String toString() {
    return "Grant{node="
        + node
        + (bundle == null ? "" : ", bundle=" + bundle)
        + ", "
        + request
        + (gpuShares.isEmpty() ? "" : ", gpus=" + gpuIds())
        + (released ? ", released" : "")
        + "}";
  }
}
