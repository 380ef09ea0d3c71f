package dev.prism.scheduler;

/**
 * The part of one GPU device held by a grant or bundle.
 *
 * @param deviceIndex the node-local device index
 * @param visibleId the device's {@code CUDA_VISIBLE_DEVICES} token
 * @param fractionFixed the fraction of the device, fixed point (10,000 = the whole device)
 * @param memoryBytes the device memory charged to the holder
 */
public record GpuShare(int deviceIndex, String visibleId, long fractionFixed, long memoryBytes) {
  /**
   * Returns the fraction of the device.
   *
   * @return e.g. 0.25 or 1.0
   */
  public double fraction() {
    return FixedPoint.toDouble(fractionFixed);
  }
}
