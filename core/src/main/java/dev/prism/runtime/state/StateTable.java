package dev.prism.runtime.state;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Rows as an aligned text table for people: a header of upper-case column names, one line per row,
 * columns separated by two spaces. Values are shown plainly: nothing for null or empty, numbers
 * without needless decimals, maps as {@code {k v, ...}}, lists comma-separated.
 */
public final class StateTable {

  private StateTable() {}

  /**
   * Renders rows.
   *
   * @param rows the rows
   * @param detail whether to show every column
   * @return the table, each line ending with a newline; {@code (none)} for no rows
   */
  public static String render(List<? extends StateRow> rows, boolean detail) {
    if (rows.isEmpty()) {
      return "(none)\n";
    }
    Set<String> columns = new LinkedHashSet<>();
    List<Map<String, Object>> maps = new ArrayList<>();
    for (StateRow r : rows) {
      Map<String, Object> m = r.columns(detail);
      maps.add(m);
      columns.addAll(m.keySet());
    }
    List<String> header =
        columns.stream().map(c -> c.toUpperCase(Locale.ROOT).replace('_', ' ')).toList();
    List<List<String>> lines = new ArrayList<>();
    for (Map<String, Object> m : maps) {
      List<String> line = new ArrayList<>();
      for (String c : columns) {
        line.add(cell(m.get(c)));
      }
      lines.add(line);
    }
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> l : lines) {
        widths[i] = Math.max(widths[i], l.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    append(out, header, widths);
    for (List<String> l : lines) {
      append(out, l, widths);
    }
    return out.toString();
  }

  private static void append(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append("  ");
      }
      line.append(cells.get(i));
      if (i < cells.size() - 1) {
        line.append(" ".repeat(widths[i] - cells.get(i).length()));
      }
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }

  /** A value as a cell: one line. */
  static String cell(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double d) {
      return d == Math.rint(d) && !d.isInfinite()
          ? Long.toString(d.longValue())
          : String.format(Locale.ROOT, "%.3f", d).replaceAll("0+$", "");
    }
    if (v instanceof Map<?, ?> m) {
      return m.entrySet().stream()
          .map(e -> e.getKey() + " " + cell(e.getValue()))
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (v instanceof List<?> l) {
      return l.stream().map(StateTable::cell).collect(Collectors.joining(", "));
    }
    return String.valueOf(v).replace('\n', ' ');
  }
}
