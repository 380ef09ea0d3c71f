package dev.prism.scheduler;

/**
 * Identifies a placement group.
 *
 * @param value the id text, not blank
 */
public record PlacementGroupId(String value) {
  /**
   * Validates the id.
   *
   * @throws InvalidResourceException if the value is blank
   */
  public PlacementGroupId {
    if (value == null || value.isBlank()) {
      throw new InvalidResourceException(
          "placement group id '" + value + "' is blank; give a non-empty id");
    }
  }

  /**
   * Creates an id.
   *
   * @param value the id text
   * @return the id
   */
  public static PlacementGroupId of(String value) {
    return new PlacementGroupId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
