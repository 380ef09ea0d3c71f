package dev.prism;

import dev.prism.scheduler.InvalidResourceException;
import dev.prism.scheduler.LabelSelector;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Checks label selectors and memory demands as the API's callers set them. */
final class LabelSelectors {

  private LabelSelectors() {}

  /**
   * Validates a selector and copies it.
   *
   * @throws IllegalArgumentException naming the bad entry and the accepted forms
   * @throws NullPointerException if the map, a key or a value is null
   */
  static Map<String, String> check(Map<String, String> selector) {
    Objects.requireNonNull(selector, "label selector");
    try {
      LabelSelector.parse(selector);
    } catch (InvalidResourceException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return Map.copyOf(new TreeMap<>(selector));
  }

  /**
   * Checks a {@code memory} demand in bytes.
   *
   * @return the amount as the resource's double
   * @throws IllegalArgumentException if it is negative or above what a resource amount can hold
   */
  static double memory(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException(
          "memory is " + bytes + " bytes; give 0 (no demand) or more bytes");
    }
    if (bytes > dev.prism.scheduler.FixedPoint.MAX_AMOUNT) {
      throw new IllegalArgumentException(
          "memory is "
              + bytes
              + " bytes, above the largest amount a resource can hold ("
              + (long) dev.prism.scheduler.FixedPoint.MAX_AMOUNT
              + " bytes, about 419 TiB); give a smaller byte count");
    }
    return (double) bytes;
  }
}
