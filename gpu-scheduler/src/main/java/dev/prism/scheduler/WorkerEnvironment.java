package dev.prism.scheduler;

import java.util.List;
import java.util.Map;

/**
 * The GPU environment a worker must be started with for a grant.
 *
 * @param cudaVisibleDevices the value for {@code CUDA_VISIBLE_DEVICES}; empty when the grant has no
 *     GPU (workers without GPUs must see none)
 * @param gpuIds the ids that {@code runtimeContext().gpuIds()} reports, in the same order
 */
public record WorkerEnvironment(String cudaVisibleDevices, List<String> gpuIds) {
  /** Name of the CUDA environment variable. */
  public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

  /** Copies the id list. */
  public WorkerEnvironment {
    gpuIds = List.copyOf(gpuIds);
  }

  static WorkerEnvironment of(List<String> ids) {
    return new WorkerEnvironment(String.join(",", ids), ids);
  }

  /**
   * Returns the environment variables to set on the worker process.
   *
   * @return a map with {@code CUDA_VISIBLE_DEVICES}
   */
  public Map<String, String> variables() {
    return Map.of(CUDA_VISIBLE_DEVICES, cudaVisibleDevices);
  }
}
