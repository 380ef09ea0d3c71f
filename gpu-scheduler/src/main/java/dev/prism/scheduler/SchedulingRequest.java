package dev.prism.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * One scheduling question: what is needed, where the caller is, and how it wants to be placed.
 * Immutable; build once per scheduling class and reuse.
 *
 * @param resources the demand
 * @param localNode the node asking (preferred by the hybrid policy), or null
 * @param labelSelector constraints on node labels
 * @param strategy the placement strategy
 * @param argumentBytes bytes of the task's arguments already held by each node (data locality)
 */
public record SchedulingRequest(
    ResourceRequest resources,
    NodeId localNode,
    LabelSelector labelSelector,
    SchedulingStrategy strategy,
    Map<NodeId, Long> argumentBytes) {
  /**
   * Validates and copies.
   *
   * @throws InvalidResourceException if an argument byte count is negative
   */
  public SchedulingRequest {
    Objects.requireNonNull(resources, "resources");
    labelSelector = labelSelector == null ? LabelSelector.any() : labelSelector;
    strategy = strategy == null ? SchedulingStrategy.DEFAULT : strategy;
    argumentBytes = argumentBytes == null ? Map.of() : Map.copyOf(argumentBytes);
    argumentBytes.forEach(
        (n, b) -> {
          if (b < 0) {
            throw new InvalidResourceException(
                "argument bytes "
                    + b
                    + " on node "
                    + n
                    + " is negative; give the byte count held there (>= 0)");
          }
        });
  }

  /**
   * A default-strategy request with no local node.
   *
   * @param resources the demand
   * @return the request
   */
  public static SchedulingRequest of(ResourceRequest resources) {
    return new SchedulingRequest(resources, null, null, null, null);
  }

  /**
   * A default-strategy request with no local node.
   *
   * @param resources the demand
   * @return the request
   */
  public static SchedulingRequest of(ResourceSet resources) {
    return of(ResourceRequest.of(resources));
  }

  /**
   * Starts a builder.
   *
   * @param resources the demand
   * @return a builder
   */
  public static Builder builder(ResourceRequest resources) {
    return new Builder(resources);
  }

  /**
   * Starts a builder.
   *
   * @param resources the demand
   * @return a builder
   */
  public static Builder builder(ResourceSet resources) {
    return new Builder(ResourceRequest.of(resources));
  }

  /** Builder of a {@link SchedulingRequest}. */
  public static final class Builder {
    private final ResourceRequest resources;
    private NodeId localNode;
    private LabelSelector labelSelector;
    private SchedulingStrategy strategy;
    private Map<NodeId, Long> argumentBytes;

    private Builder(ResourceRequest resources) {
      this.resources = resources;
    }

    /**
     * Sets the node asking.
     *
     * @param node the local node
     * @return this builder
     */
    public Builder localNode(NodeId node) {
      this.localNode = node;
      return this;
    }

    /**
     * Sets label constraints.
     *
     * @param selector the selector
     * @return this builder
     */
    public Builder labelSelector(LabelSelector selector) {
      this.labelSelector = selector;
      return this;
    }

    /**
     * Sets the strategy.
     *
     * @param strategy the strategy
     * @return this builder
     */
    public Builder strategy(SchedulingStrategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /**
     * Sets where the arguments' bytes live.
     *
     * @param bytes node to byte count
     * @return this builder
     */
    public Builder argumentBytes(Map<NodeId, Long> bytes) {
      this.argumentBytes = bytes;
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request
     */
    public SchedulingRequest build() {
      return new SchedulingRequest(resources, localNode, labelSelector, strategy, argumentBytes);
    }
  }
}
