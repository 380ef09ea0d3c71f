package dev.prism.scheduler;

import java.util.Objects;

/**
 * One bundle of a placement group, or with index {@link #ANY} any bundle of the group (Ray's {@code
 * CPU_group_<pgid>} wildcard).
 *
 * @param group the placement group
 * @param index the bundle index, 0-based, or {@link #ANY}
 */
public record BundleId(PlacementGroupId group, int index) {
  /** Index meaning "any bundle of the group". */
  public static final int ANY = -1;

  /**
   * Validates the id.
   *
   * @throws InvalidResourceException if the index is below -1
   */
  public BundleId {
    Objects.requireNonNull(group, "group");
    if (index < ANY) {
      throw new InvalidResourceException(
          "bundle index "
              + index
              + " of group "
              + group
              + " is invalid; use 0, 1, ... or BundleId.ANY (-1)");
    }
  }

  /**
   * Creates a bundle id.
   *
   * @param group the placement group
   * @param index the bundle index
   * @return the id
   */
  public static BundleId of(PlacementGroupId group, int index) {
    return new BundleId(group, index);
  }

  @Override
  public String toString() {
    return group + "[" + (index == ANY ? "*" : Integer.toString(index)) + "]";
  }
}
