package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds this machine's GPUs through CUDA (JavaCPP): count, names, total and free memory, compute
 * capability. Honours an existing {@code CUDA_VISIBLE_DEVICES}: device ordinal i is reported with
 * the i-th id that variable lists, so grants name the physical devices. Without a driver or device
 * the result is an empty inventory with the reason; no exception escapes. Discovery runs once per
 * process and is cached. Machines without GPUs may declare logical ones instead ({@link
 * #discoverOr}, {@link GpuInventory#logical}).
 */
public final class GpuDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(GpuDiscovery.class);
  private static volatile GpuInventory cached;
  private static int probes;

  private GpuDiscovery() {}

  /**
   * Returns the GPUs CUDA finds, probing once per process.
   *
   * @return the inventory (source CUDA, or NONE with the reason)
   */
  public static GpuInventory discover() {
    GpuInventory c = cached;
    if (c != null) {
      return c;
    }
    synchronized (GpuDiscovery.class) {
      if (cached == null) {
        probes++;
        cached =
            probe(System.getenv(WorkerEnvironment.CUDA_VISIBLE_DEVICES), JavaCppCudaProbe::new);
        LOG.info(
            "GPU discovery: {} device(s) ({}: {})",
            cached.count(),
            cached.source(),
            cached.detail());
      }
      return cached;
    }
  }

  /**
   * Returns the override when one is given, otherwise {@link #discover()}: how a node declares
   * logical GPUs (tests, machines without CUDA) or trusts discovery.
   *
   * @param override a declared inventory, or null
   * @return the inventory to use
   */
  public static GpuInventory discoverOr(GpuInventory override) {
    return override != null ? override : discover();
  }

  static synchronized int probeCount() {
    return probes;
  }

  /** Discovery logic over a probe factory; never throws. */
  static GpuInventory probe(String visibleDevices, Supplier<CudaProbe> factory) {
    List<String> visible = visibleDevices == null ? null : parseVisibleDevices(visibleDevices);
    if (visible != null && visible.isEmpty()) {
      return GpuInventory.none("CUDA_VISIBLE_DEVICES='" + visibleDevices + "' hides every GPU");
    }
    try {
      CudaProbe cuda = factory.get();
      int count = cuda.deviceCount();
      if (count <= 0) {
        return GpuInventory.none("CUDA reports no device (" + cuda.describe() + ")");
      }
      if (visible != null) {
        count = Math.min(count, visible.size());
      }
      List<GpuDevice> devices = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        CudaProbe.DeviceInfo d = cuda.device(i);
        String id = visible == null ? Integer.toString(i) : visible.get(i);
        devices.add(
            new GpuDevice(i, id, d.name(), d.totalMemory(), d.freeMemory(), d.major(), d.minor()));
      }
      return new GpuInventory(devices, GpuInventory.Source.CUDA, cuda.describe());
    } catch (Throwable t) {
      return GpuInventory.none(
          "CUDA is not available: "
              + t.getClass().getSimpleName()
              + ": "
              + firstLine(t.getMessage()));
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Parses a {@code CUDA_VISIBLE_DEVICES} value into its ids (ordinals, {@code GPU-...} UUIDs or
   * MIG ids), dropping blanks. As CUDA does, parsing stops at {@code -1}.
   *
   * @param value the variable's value
   * @return the ids in order; empty when the value hides every device
   */
  public static List<String> parseVisibleDevices(String value) {
    List<String> out = new ArrayList<>();
    for (String part : Arrays.asList(value.split(","))) {
      String id = part.trim();
      if (id.startsWith("-")) {
        break;
      }
      if (!id.isEmpty()) {
        out.add(id);
      }
    }
    return List.copyOf(out);
  }
}
