package dev.prism.scheduler;

import java.util.Objects;

/**
 * One GPU device of a node, as discovered through CUDA or declared as a logical GPU.
 *
 * @param index the node-local instance index, 0-based, used for assignment
 * @param visibleId the token for {@code CUDA_VISIBLE_DEVICES} (the physical ordinal or UUID as the
 *     node's own {@code CUDA_VISIBLE_DEVICES} listed it; by default the index)
 * @param name the device name, e.g. {@code "NVIDIA H100 80GB HBM3"}
 * @param totalMemoryBytes total device memory, 0 when unknown
 * @param freeMemoryBytes free device memory at discovery, 0 when unknown
 * @param computeMajor compute capability major version, 0 when unknown
 * @param computeMinor compute capability minor version
 */
public record GpuDevice(
    int index,
    String visibleId,
    String name,
    long totalMemoryBytes,
    long freeMemoryBytes,
    int computeMajor,
    int computeMinor) {
  /**
   * Validates the device.
   *
   * @throws InvalidResourceException on a negative index or memory, or a blank visible id
   */
  public GpuDevice {
    if (index < 0) {
      throw new InvalidResourceException("GPU index " + index + " is negative; use 0, 1, ...");
    }
    if (visibleId == null || visibleId.isBlank()) {
      throw new InvalidResourceException(
          "GPU "
              + index
              + " has a blank visible id; use its"
              + " CUDA_VISIBLE_DEVICES token, e.g. \""
              + index
              + "\"");
    }
    Objects.requireNonNull(name, "name");
    if (totalMemoryBytes < 0 || freeMemoryBytes < 0) {
      throw new InvalidResourceException(
          "GPU "
              + index
              + " memory total="
              + totalMemoryBytes
              + " free="
              + freeMemoryBytes
              + " is negative; use 0 for unknown");
    }
  }

  /**
   * Declares a logical GPU (no CUDA device behind it).
   *
   * @param index the instance index
   * @param name a name, e.g. {@code "logical"}
   * @param memoryBytes the memory to assume, 0 for unknown
   * @return the device
   */
  public static GpuDevice logical(int index, String name, long memoryBytes) {
    return new GpuDevice(index, Integer.toString(index), name, memoryBytes, memoryBytes, 0, 0);
  }

  /**
   * Returns the compute capability as text.
   *
   * @return e.g. {@code "9.0"}, or {@code "unknown"}
   */
  public String computeCapability() {
    return computeMajor == 0 ? "unknown" : computeMajor + "." + computeMinor;
  }
}
