package dev.prism.runtime.state;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of a state listing: its columns by name, in display order. The columns every listing
 * shows come first; {@link #detail()} adds the rest.
 */
public interface StateRow {

  /**
   * The columns shown by default, by their snake_case names (the names filters use), in order.
   * Values are strings, numbers, booleans, lists or null.
   *
   * @return the columns
   */
  Map<String, Object> columns();

  /**
   * Every column: {@link #columns()} and the detail ones.
   *
   * @return the columns
   */
  default Map<String, Object> detail() {
    return columns();
  }

  /**
   * The columns to show.
   *
   * @param detail whether to show every column
   * @return them
   */
  default Map<String, Object> columns(boolean detail) {
    return detail ? detail() : columns();
  }

  /** A map builder that keeps insertion order and allows nulls. */
  static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /** {@code base} followed by more columns. */
  static Map<String, Object> plus(Map<String, Object> base, Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>(base);
    m.putAll(ordered(keysAndValues));
    return m;
  }
}
