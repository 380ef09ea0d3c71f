package dev.prism.scheduler;

/** The CUDA calls discovery needs, behind an interface so discovery logic is testable. */
interface CudaProbe {
  /** Properties of one device. */
  record DeviceInfo(String name, long totalMemory, long freeMemory, int major, int minor) {}

  /**
   * Returns the number of devices CUDA sees.
   *
   * @throws Throwable when the runtime or driver is missing or fails
   */
  int deviceCount() throws Throwable;

  /** Returns a device's properties. */
  DeviceInfo device(int ordinal) throws Throwable;

  /** Returns a short description (driver version), for the inventory detail. */
  String describe();
}
