package dev.prism.tune;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The live progress table, as Ray Tune's: counts by status, the best trial so far, and one row per
 * trial with its configuration and latest metrics. On a terminal it is redrawn in place every
 * second; otherwise printed as plain lines every 30 seconds and at the end.
 */
final class ProgressTable {
  private static final int MAX_ROWS = 20;
  private final TuneConfig tc;
  private final boolean show;
  private final List<String> params;
  private final boolean terminal = System.console() != null && System.console().isTerminal();
  private final PrintStream out = System.out;
  private long lastPrint = System.nanoTime();
  private int linesDrawn;

  ProgressTable(TuneConfig tc, boolean show, List<String> params) {
    this.tc = tc;
    this.show = show;
    this.params = params;
  }

  void print(List<Trial> trials, double elapsed, boolean last) {
    if (!show) {
      return;
    }
    long now = System.nanoTime();
    long every = terminal ? 1_000_000_000L : 30_000_000_000L;
    if (!last && now - lastPrint < every) {
      return;
    }
    lastPrint = now;
    List<String> lines = render(trials, elapsed);
    StringBuilder b = new StringBuilder();
    if (terminal && linesDrawn > 0) {
      b.append("\033[").append(linesDrawn).append("F\033[J");
    }
    for (String l : lines) {
      b.append(l).append('\n');
    }
    out.print(b);
    out.flush();
    linesDrawn = terminal && !last ? lines.size() : 0;
  }

  List<String> render(List<Trial> trials, double elapsed) {
    Map<TrialStatus, Integer> counts = new EnumMap<>(TrialStatus.class);
    Trial best = null;
    for (Trial t : trials) {
      counts.merge(t.status, 1, Integer::sum);
      Object v = t.lastResult().get(tc.metric());
      if (v instanceof Number n) {
        Object bv = best == null ? null : best.lastResult().get(tc.metric());
        if (best == null || tc.mode().better(n.doubleValue(), ((Number) bv).doubleValue())) {
          best = t;
        }
      }
    }
    List<String> lines = new ArrayList<>();
    StringBuilder head =
        new StringBuilder(
            String.format(Locale.ROOT, "== Tune: %d trials, %.1f s ==", trials.size(), elapsed));
    counts.forEach((s, n) -> head.append(' ').append(n).append(' ').append(s));
    lines.add(head.toString());
    if (best != null) {
      lines.add(
          "best "
              + best.id
              + ": "
              + tc.metric()
              + "="
              + format(best.lastResult().get(tc.metric()))
              + " "
              + best.config);
    }
    List<String> cols = new ArrayList<>(List.of("trial", "status"));
    cols.addAll(params);
    cols.addAll(List.of("iter", tc.metric()));
    List<List<String>> rows = new ArrayList<>();
    for (Trial t : trials) {
      if (rows.size() == MAX_ROWS) {
        break;
      }
      List<String> row = new ArrayList<>(List.of(t.id, t.status.name()));
      for (String p : params) {
        row.add(format(t.config.get(p)));
      }
      row.add(Long.toString(t.iteration()));
      row.add(format(t.lastResult().get(tc.metric())));
      rows.add(row);
    }
    int[] w = new int[cols.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = cols.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    lines.add(line(cols, w));
    for (List<String> r : rows) {
      lines.add(line(r, w));
    }
    if (trials.size() > MAX_ROWS) {
      lines.add("... " + (trials.size() - MAX_ROWS) + " more trials");
    }
    return lines;
  }

  private static String line(List<String> cells, int[] w) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      b.append(String.format(Locale.ROOT, "%-" + w[i] + "s", cells.get(i)));
      if (i < cells.size() - 1) {
        b.append(" | ");
      }
    }
    return b.toString().stripTrailing();
  }

  static String format(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.5g", d);
    }
    if (v instanceof Float f) {
      return String.format(Locale.ROOT, "%.5g", f);
    }
    return v == null ? "" : String.valueOf(v);
  }
}
