package dev.prism.runtime.state;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which rows of a listing to keep: filters ({@code key=value} or {@code key!=value}, all must
 * hold), a limit, and whether to show every column.
 *
 * <p>A filter's key is a column name ({@code state}, {@code node_id}, ...; {@code -} may stand for
 * {@code _}), or a short alias: {@code node}, {@code job}, {@code actor}, {@code worker}, {@code
 * class}. Values compare without regard to case; an id column also matches a prefix of the id (ids
 * are long).
 *
 * @param filters the filters
 * @param limit at most this many rows (the last ones); 0 for all
 * @param detail whether rows show every column
 */
public record StateQuery(List<Filter> filters, int limit, boolean detail) {

  /** The default limit of {@code prism list}. */
  public static final int DEFAULT_LIMIT = 100;

  /** Every row, default columns. */
  public static final StateQuery ALL = new StateQuery(List.of(), 0, false);

  /**
   * Validates and copies.
   *
   * @throws IllegalArgumentException if the limit is negative
   */
  public StateQuery {
    filters = List.copyOf(filters);
    if (limit < 0) {
      throw new IllegalArgumentException("limit " + limit + " must be 0 (all) or more");
    }
  }

  /**
   * One filter.
   *
   * @param key the column's name
   * @param value the value to compare with
   * @param negated whether it is {@code key!=value}
   */
  public record Filter(String key, String value, boolean negated) {

    /**
     * Parses {@code key=value} or {@code key!=value}.
     *
     * @param text the filter
     * @return it
     * @throws IllegalArgumentException with an example, if it is not of that form
     */
    public static Filter parse(String text) {
      int eq = text.indexOf('=');
      boolean neg = eq > 0 && text.charAt(eq - 1) == '!';
      String key = eq < 0 ? "" : text.substring(0, neg ? eq - 1 : eq).trim();
      if (eq < 0 || key.isEmpty() || text.substring(eq + 1).isBlank()) {
        throw new IllegalArgumentException(
            "bad filter '"
                + text
                + "': write key=value or key!=value, e.g. state=FAILED or node_id=3fa2");
      }
      return new Filter(canonical(key), text.substring(eq + 1).trim(), neg);
    }

    private static String canonical(String key) {
      String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
      return switch (k) {
        case "node", "job", "actor", "worker", "task", "object", "placement_group" -> k + "_id";
        case "class" -> "class_name";
        default -> k;
      };
    }

    /** Whether a row's columns pass this filter. */
    boolean test(Map<String, Object> columns) {
      Object v = columns.get(key);
      String s = v == null ? "" : String.valueOf(v);
      boolean match =
          s.equalsIgnoreCase(value)
              || (key.endsWith("_id")
                  && !s.isEmpty()
                  && s.toLowerCase(Locale.ROOT).startsWith(value.toLowerCase(Locale.ROOT)));
      return match != negated;
    }
  }

  /**
   * The rows that pass every filter, the last {@code limit} of them.
   *
   * @param kind what the rows are, for messages
   * @param rows the rows
   * @param <R> their type
   * @return those kept, in order
   * @throws IllegalArgumentException if a filter names a column the rows do not have
   */
  public <R extends StateRow> List<R> apply(String kind, List<R> rows) {
    return limited(matching(kind, rows));
  }

  /**
   * The last {@code limit} rows.
   *
   * @param rows the rows
   * @param <R> their type
   * @return them, or the last {@code limit}
   */
  public <R> List<R> limited(List<R> rows) {
    if (limit > 0 && rows.size() > limit) {
      return List.copyOf(rows.subList(rows.size() - limit, rows.size()));
    }
    return rows;
  }

  /**
   * The rows that pass every filter.
   *
   * @param kind what the rows are, for messages
   * @param rows the rows
   * @param <R> their type
   * @return those kept, in order
   * @throws IllegalArgumentException if a filter names a column the rows do not have
   */
  public <R extends StateRow> List<R> matching(String kind, List<R> rows) {
    if (!rows.isEmpty()) {
      Set<String> keys = rows.getFirst().detail().keySet();
      for (Filter f : filters) {
        if (!keys.contains(f.key())) {
          throw new IllegalArgumentException(
              "unknown filter key '"
                  + f.key()
                  + "' for "
                  + kind
                  + "; the keys are "
                  + String.join(", ", new LinkedHashSet<>(keys)));
        }
      }
    }
    List<R> out = new ArrayList<>();
    for (R r : rows) {
      Map<String, Object> c = r.detail();
      if (filters.stream().allMatch(f -> f.test(c))) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Whether rows were left out by the limit, for a note under a table.
   *
   * @param matched how many rows passed the filters
   * @return a note, or null
   */
  public String truncationNote(int matched) {
    return limit > 0 && matched > limit
        ? "(showing the last " + limit + " of " + matched + "; --limit N for more)"
        : null;
  }
}
