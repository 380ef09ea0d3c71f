package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a node offers: its id, total resources, labels and GPU devices.
 *
 * <p>The GPU amount and the device list must agree: when devices are given and no GPU amount, the
 * amount is the device count; when an amount is given and no devices, that many logical devices
 * (memory unknown) are created. The accelerator-type label defaults to the first device's name, and
 * every node carries the {@link Labels#NODE_ID} label.
 *
 * @param id the node id
 * @param resources the total resources
 * @param labels the labels
 * @param gpus the GPU devices, indexed 0..n-1
 */
public record NodeSpec(
    NodeId id, ResourceSet resources, Map<String, String> labels, List<GpuDevice> gpus) {
  /**
   * Validates and normalises the spec.
   *
   * @throws InvalidResourceException if the GPU amount is fractional or disagrees with the device
   *     list, or device indexes are not 0..n-1
   */
  public NodeSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(resources, "resources");
    long gpu = resources.fixed(ResourceIds.GPU);
    if (gpu % FixedPoint.SCALE != 0) {
      throw new InvalidResourceException(
          "node "
              + id
              + " has GPU="
              + FixedPoint.format(gpu)
              + "; a node's GPU total must be a whole number of devices");
    }
    int count = (int) (gpu / FixedPoint.SCALE);
    List<GpuDevice> devices = new ArrayList<>(gpus);
    if (devices.isEmpty() && count > 0) {
      for (int i = 0; i < count; i++) {
        devices.add(GpuDevice.logical(i, "logical", 0));
      }
    } else if (!devices.isEmpty() && gpu == 0) {
      resources = resources.toBuilder().gpu(devices.size()).build();
    } else if (devices.size() != count) {
      throw new InvalidResourceException(
          "node "
              + id
              + " declares GPU="
              + count
              + " but lists "
              + devices.size()
              + " GPU devices; make them agree or leave one out");
    }
    for (int i = 0; i < devices.size(); i++) {
      if (devices.get(i).index() != i) {
        throw new InvalidResourceException(
            "node "
                + id
                + " GPU at position "
                + i
                + " has index "
                + devices.get(i).index()
                + "; device indexes must be 0..n-1 in order");
      }
    }
    Map<String, String> l = new HashMap<>(labels);
    l.put(Labels.NODE_ID, id.value());
    if (!devices.isEmpty() && !l.containsKey(Labels.ACCELERATOR_TYPE)) {
      l.put(Labels.ACCELERATOR_TYPE, devices.get(0).name());
    }
    labels = Map.copyOf(l);
    gpus = List.copyOf(devices);
  }

  /**
   * Starts a builder.
   *
   * @param id the node id
   * @return a builder
   */
  public static Builder builder(NodeId id) {
    return new Builder(id);
  }

  /**
   * Starts a builder.
   *
   * @param id the node id text
   * @return a builder
   */
  public static Builder builder(String id) {
    return new Builder(NodeId.of(id));
  }

  /** Builder of a {@link NodeSpec}. */
  public static final class Builder {
    private final NodeId id;
    private final ResourceSet.Builder resources = ResourceSet.builder();
    private final Map<String, String> labels = new HashMap<>();
    private final List<GpuDevice> gpus = new ArrayList<>();

    private Builder(NodeId id) {
      this.id = id;
    }

    /**
     * Sets CPUs.
     *
     * @param amount CPUs
     * @return this builder
     */
    public Builder cpu(double amount) {
      resources.cpu(amount);
      return this;
    }

    /**
     * Sets the GPU count (logical devices are created unless {@link #gpus} is used).
     *
     * @param count GPUs
     * @return this builder
     */
    public Builder gpu(int count) {
      resources.gpu(count);
      return this;
    }

    /**
     * Sets memory.
     *
     * @param bytes memory in bytes
     * @return this builder
     */
    public Builder memory(long bytes) {
      resources.memory(bytes);
      return this;
    }

    /**
     * Sets object-store memory.
     *
     * @param bytes bytes
     * @return this builder
     */
    public Builder objectStoreMemory(long bytes) {
      resources.objectStoreMemory(bytes);
      return this;
    }

    /**
     * Sets any resource.
     *
     * @param name the resource name
     * @param amount the amount
     * @return this builder
     */
    public Builder resource(String name, double amount) {
      resources.set(name, amount);
      return this;
    }

    /**
     * Adds a label.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     */
    public Builder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    /**
     * Sets the GPU devices (e.g. from {@link GpuInventory#devices()}).
     *
     * @param devices the devices
     * @return this builder
     */
    public Builder gpus(List<GpuDevice> devices) {
      gpus.clear();
      gpus.addAll(devices);
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     */
    public NodeSpec build() {
      return new NodeSpec(id, resources.build(), labels, gpus);
    }
  }
}
