package dev.prism.scheduler;

/**
 * Names of the predefined resources. Any other name is a custom resource (for example {@code "TPU"}
 * or {@code "special_hardware"}).
 */
public final class Resources {
  /** CPU slots; a unit resource (fractions below 1, or whole numbers). */
  public static final String CPU = "CPU";

  /** GPU devices; a unit resource, fractional amounts below 1 share one device. */
  public static final String GPU = "GPU";

  /** Heap/process memory in bytes. */
  public static final String MEMORY = "memory";

  /** Shared-memory object store capacity in bytes. */
  public static final String OBJECT_STORE_MEMORY = "object_store_memory";

  private Resources() {}
}
