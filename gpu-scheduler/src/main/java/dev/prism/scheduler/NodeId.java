package dev.prism.scheduler;

/**
 * Identifies a node of the cluster.
 *
 * @param value the id text, not blank
 */
public record NodeId(String value) {
  /**
   * Validates the id.
   *
   * @throws InvalidResourceException if the value is null or blank
   */
  public NodeId {
    if (value == null || value.isBlank()) {
      throw new InvalidResourceException("node id '" + value + "' is blank; give a non-empty id");
    }
  }

  /**
   * Creates a node id.
   *
   * @param value the id text
   * @return the id
   */
  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
