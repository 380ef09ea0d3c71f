package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The GPUs of this machine: found through CUDA, declared as logical GPUs, or none.
 *
 * @param devices the devices, indexed 0..n-1
 * @param source where the list came from
 * @param detail a human-readable note (the CUDA error when none were found, the driver version)
 */
public record GpuInventory(List<GpuDevice> devices, Source source, String detail) {
  /** Where an inventory came from. */
  public enum Source {
    /** Discovered through the CUDA runtime. */
    CUDA,
    /** Declared by configuration (machines without GPUs, tests). */
    LOGICAL,
    /** No GPU: no driver, no device, or none visible. */
    NONE
  }

  /** Copies the list. */
  public GpuInventory {
    devices = List.copyOf(devices);
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(detail, "detail");
  }

  /**
   * An inventory with no GPU.
   *
   * @param reason why there is none
   * @return the inventory
   */
  public static GpuInventory none(String reason) {
    return new GpuInventory(List.of(), Source.NONE, reason);
  }

  /**
   * Declares {@code count} logical GPUs with unknown memory.
   *
   * @param count the number of GPUs, &gt;= 0
   * @return the inventory
   */
  public static GpuInventory logical(int count) {
    return logical(count, "logical", 0);
  }

  /**
   * Declares {@code count} identical logical GPUs.
   *
   * @param count the number of GPUs, &gt;= 0
   * @param name the name to report (also the accelerator-type label)
   * @param memoryBytes the memory of each, 0 for unknown
   * @return the inventory
   * @throws InvalidResourceException on a negative count or memory
   */
  public static GpuInventory logical(int count, String name, long memoryBytes) {
    if (count < 0) {
      throw new InvalidResourceException(
          "logical GPU count " + count + " is negative; use 0 or more");
    }
    List<GpuDevice> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(GpuDevice.logical(i, name, memoryBytes));
    }
    return new GpuInventory(list, Source.LOGICAL, count + " logical GPU(s) declared");
  }

  /**
   * Declares logical GPUs one by one (names and memory may differ).
   *
   * @param devices the devices, indexed 0..n-1
   * @return the inventory
   */
  public static GpuInventory logical(List<GpuDevice> devices) {
    return new GpuInventory(devices, Source.LOGICAL, devices.size() + " logical GPU(s) declared");
  }

  /**
   * Returns the number of GPUs.
   *
   * @return the count
   */
  public int count() {
    return devices.size();
  }

  /**
   * Returns whether there is no GPU.
   *
   * @return true when empty
   */
  public boolean isEmpty() {
    return devices.isEmpty();
  }
}
