package dev.prism.runtime.node;

import dev.prism.scheduler.GpuShare;
import dev.prism.scheduler.Grant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The GPUs a worker is started with: the node's device indexes and the matching {@code
 * CUDA_VISIBLE_DEVICES} tokens. A JVM's environment is fixed at start, so the pool keeps idle
 * workers keyed by this set; CPU-only workers have {@link #NONE}.
 *
 * @param indexes device indexes on the node, ascending ({@code PRISM_GPU_IDS})
 * @param visibleIds the CUDA tokens of those devices, same order ({@code CUDA_VISIBLE_DEVICES})
 */
record GpuSet(List<Integer> indexes, List<String> visibleIds) {

  /** No GPU. */
  static final GpuSet NONE = new GpuSet(List.of(), List.of());

  GpuSet {
    indexes = List.copyOf(indexes);
    visibleIds = List.copyOf(visibleIds);
  }

  static GpuSet of(Grant grant) {
    if (grant.gpuShares().isEmpty()) {
      return NONE;
    }
    List<Integer> idx = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (GpuShare s : grant.gpuShares()) {
      idx.add(s.deviceIndex());
      ids.add(s.visibleId());
    }
    return new GpuSet(idx, ids);
  }

  boolean isEmpty() {
    return indexes.isEmpty();
  }

  /** The value of {@code PRISM_GPU_IDS}: device indexes, comma separated. */
  String indexList() {
    return indexes.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** The value of {@code CUDA_VISIBLE_DEVICES}. */
  String cudaVisibleDevices() {
    return String.join(",", visibleIds);
  }

  @Override
  public String toString() {
    return visibleIds.toString();
  }
}
