package dev.prism.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * What a task, actor or bundle asks for: a resource set and, optionally, the GPU memory it needs on
 * each GPU device it uses (GPU-memory-aware packing). A fractional GPU request that states memory
 * only shares a device whose remaining memory fits it; without a stated amount it is charged its
 * fraction of the device's memory.
 *
 * @param resources the demanded resources
 * @param gpuMemoryBytes GPU memory needed per device in bytes, 0 when not stated
 */
public record ResourceRequest(ResourceSet resources, long gpuMemoryBytes) {
  /**
   * Validates the request.
   *
   * @throws InvalidResourceException if memory is negative, or stated without a GPU demand
   */
  public ResourceRequest {
    Objects.requireNonNull(resources, "resources");
    if (gpuMemoryBytes < 0) {
      throw new InvalidResourceException(
          "gpuMemoryBytes "
              + gpuMemoryBytes
              + " is negative; give 0 (not stated) or a positive byte count");
    }
    if (gpuMemoryBytes > 0 && resources.fixed(ResourceIds.GPU) == 0) {
      throw new InvalidResourceException(
          "gpuMemoryBytes "
              + gpuMemoryBytes
              + " was given for a request without GPU "
              + resources
              + "; also ask for a GPU amount (e.g. GPU=0.25)");
    }
  }

  /**
   * Creates a request without a GPU memory demand.
   *
   * @param resources the demanded resources
   * @return the request
   */
  public static ResourceRequest of(ResourceSet resources) {
    return new ResourceRequest(resources, 0);
  }

  /**
   * Creates a request from a map of names to amounts.
   *
   * @param resources resource name to amount
   * @return the request
   */
  public static ResourceRequest of(Map<String, ? extends Number> resources) {
    return new ResourceRequest(ResourceSet.of(resources), 0);
  }

  /**
   * Returns a copy that needs the given GPU memory per device.
   *
   * @param bytes GPU memory in bytes
   * @return the new request
   */
  public ResourceRequest withGpuMemory(long bytes) {
    return new ResourceRequest(resources, bytes);
  }

  long gpuFixed() {
    return resources.fixed(ResourceIds.GPU);
  }

  @Override
  public String toString() {
    return gpuMemoryBytes == 0
        ? resources.toString()
        : resources + " with " + gpuMemoryBytes + " bytes of GPU memory per device";
  }
}
