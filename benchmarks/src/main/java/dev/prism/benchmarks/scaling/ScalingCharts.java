package dev.prism.benchmarks.scaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Renders the scaling benchmarks' JSON as PNG charts (JFreeChart, headless): Prism's series from
 * {@code prism-scaling.json} and Ray's from {@code ray-scaling.json} in the same directory, each
 * file optional. Axes are logarithmic where the values span decades. Writes {@code
 * tasks-throughput.png}, {@code tasks-memory.png}, {@code objects-latency.png}, {@code
 * objects-bandwidth.png} and {@code actors-throughput.png}, for the shapes the files hold.
 *
 * <p>Run: {@code benchmarks/run charts DIR}.
 */
public final class ScalingCharts {

  /** The file {@code benchmarks/peers/ray/scaling.py} writes. */
  static final String RAY_FILE = "ray-scaling.json";

  private static final Color PRISM = new Color(0x1f, 0x77, 0xb4);
  private static final Color PRISM_2 = new Color(0x2c, 0xa0, 0x2c);
  private static final Color RAY = new Color(0xff, 0x7f, 0x0e);
  private static final Color RAY_2 = new Color(0xd6, 0x27, 0x28);
  private static final int WIDTH = 900;
  private static final int HEIGHT = 560;

  private ScalingCharts() {}

  /**
   * Renders the charts of a directory.
   *
   * @param args {@code DIR}
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println(
          "usage: benchmarks/run charts DIR   (DIR holds prism-scaling.json"
              + " and/or ray-scaling.json)");
      System.exit(2);
    }
    List<Path> written;
    try {
      written = render(Path.of(args[0]));
    } catch (IllegalArgumentException e) {
      System.err.println("charts: " + e.getMessage());
      System.exit(2);
      return;
    }
    for (Path p : written) {
      System.out.println("wrote " + p);
    }
  }

  /** One system's results, or null where its file is not there. */
  private record Runs(JsonNode prism, JsonNode ray) {
    List<Map.Entry<String, JsonNode>> both() {
      List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
      if (prism != null) {
        out.add(Map.entry("Prism", prism));
      }
      if (ray != null) {
        out.add(Map.entry("Ray " + ray.path("version").asText(""), ray));
      }
      return out;
    }
  }

  /**
   * Renders every chart the directory's files have data for.
   *
   * @param dir the directory with {@code prism-scaling.json} and/or {@code ray-scaling.json}
   * @return the PNG files written
   * @throws IOException if a file cannot be read or written
   * @throws IllegalArgumentException if neither file is there
   */
  public static List<Path> render(Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Runs runs =
        new Runs(read(dir.resolve(ScalingBenchmark.PRISM_FILE)), read(dir.resolve(RAY_FILE)));
    if (runs.prism() == null && runs.ray() == null) {
      throw new IllegalArgumentException(
          "neither "
              + ScalingBenchmark.PRISM_FILE
              + " nor "
              + RAY_FILE
              + " is in "
              + dir.toAbsolutePath()
              + "; run benchmarks/run scaling or"
              + " benchmarks/peers/ray/scaling.py with --out "
              + dir
              + " first");
    }
    List<Path> written = new ArrayList<>();
    tasks(runs, dir, written);
    objects(runs, dir, written);
    actors(runs, dir, written);
    return written;
  }

  private static JsonNode read(Path file) throws IOException {
    return Files.exists(file) ? new ObjectMapper().readTree(file.toFile()) : null;
  }

  private static void tasks(Runs runs, Path dir, List<Path> written) throws IOException {
    Map<String, XYSeries> rate = new LinkedHashMap<>();
    Map<String, XYSeries> memory = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> run : runs.both()) {
      String name = run.getKey();
      for (JsonNode row : run.getValue().path("tasks")) {
        double n = row.path("tasks").asDouble();
        add(rate, name, n, row.path("tasks_per_second").asDouble());
        add(memory, name + " RSS", n, row.path("rss_mib").asDouble());
        add(memory, name + " heap used after GC", n, row.path("heap_used_after_gc_mib").asDouble());
      }
    }
    if (rate.isEmpty()) {
      return;
    }
    written.add(
        save(
            dir.resolve("tasks-throughput.png"),
            chart(
                "Tasks/s as the number of queued tasks grows",
                runs,
                countAxis("tasks submitted, then all got", 10),
                linearAxis("tasks per second"),
                rate)));
    written.add(
        save(
            dir.resolve("tasks-memory.png"),
            chart(
                "Driver memory with N task results held",
                runs,
                countAxis("tasks submitted, then all got", 10),
                logAxis("MiB", 10, 1, v -> new DecimalFormat("#,##0.#").format(v)),
                memory)));
  }

  private static void objects(Runs runs, Path dir, List<Path> written) throws IOException {
    Map<String, XYSeries> latency = new LinkedHashMap<>();
    Map<String, XYSeries> bandwidth = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> run : runs.both()) {
      String name = run.getKey();
      for (JsonNode row : run.getValue().path("objects")) {
        String kind = row.path("kind").asText();
        double size = row.path("size_bytes").asDouble();
        add(latency, name + " put " + kind, size, row.path("put_latency_us").asDouble());
        add(latency, name + " get " + kind, size, row.path("get_latency_us").asDouble());
        add(bandwidth, name + " put " + kind, size, row.path("put_gib_per_second").asDouble());
        add(bandwidth, name + " get " + kind, size, row.path("get_gib_per_second").asDouble());
      }
    }
    if (latency.isEmpty()) {
      return;
    }
    written.add(
        save(
            dir.resolve("objects-latency.png"),
            chart(
                "Put and get latency from the driver (median)",
                runs,
                sizeAxis(),
                logAxis("microseconds", 10, 1, v -> new DecimalFormat("#,##0.##").format(v)),
                latency)));
    written.add(
        save(
            dir.resolve("objects-bandwidth.png"),
            chart(
                "Put and get bandwidth from the driver (size / median latency)",
                runs,
                sizeAxis(),
                logAxis("GiB/s", 10, 1, v -> new DecimalFormat("#,##0.###").format(v)),
                bandwidth)));
  }

  private static void actors(Runs runs, Path dir, List<Path> written) throws IOException {
    Map<String, XYSeries> rate = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> run : runs.both()) {
      for (JsonNode row : run.getValue().path("actors")) {
        add(
            rate,
            run.getKey(),
            row.path("actors").asDouble(),
            row.path("calls_per_second").asDouble());
      }
    }
    if (rate.isEmpty()) {
      return;
    }
    written.add(
        save(
            dir.resolve("actors-throughput.png"),
            chart(
                "Actor calls/s from the driver, round-robin over N actors",
                runs,
                logAxis("actors", 2, 1, v -> String.format(Locale.ROOT, "%.0f", v)),
                linearAxis("calls per second"),
                rate)));
  }

  private static void add(Map<String, XYSeries> series, String name, double x, double y) {
    if (x > 0 && y > 0 && Double.isFinite(y)) {
      series.computeIfAbsent(name, n -> new XYSeries(n, true, true)).add(x, y);
    }
  }

  private static JFreeChart chart(
      String title, Runs runs, ValueAxis x, ValueAxis y, Map<String, XYSeries> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    int prismIndex = 0;
    int rayIndex = 0;
    int i = 0;
    for (XYSeries s : series.values()) {
      data.addSeries(s);
      boolean ray = s.getKey().toString().startsWith("Ray");
      int k = ray ? rayIndex++ : prismIndex++;
      Color base = ray ? (k % 2 == 0 ? RAY : RAY_2) : (k % 2 == 0 ? PRISM : PRISM_2);
      renderer.setSeriesPaint(i, base);
      // the second pair of a system (e.g. Arrow after bytes) is dashed
      renderer.setSeriesStroke(
          i,
          k / 2 % 2 == 0
              ? new BasicStroke(2f)
              : new BasicStroke(
                  2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
      i++;
    }
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    chart.addSubtitle(new TextTitle(subtitle(runs)));
    return chart;
  }

  private static String subtitle(Runs runs) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, JsonNode> run : runs.both()) {
      JsonNode n = run.getValue();
      parts.add(
          run.getKey().trim()
              + ": "
              + n.path("date").asText("?")
              + (n.path("quick").asBoolean(false) ? " (quick)" : "")
              + ", "
              + n.path("cpus").asText("?")
              + " CPUs");
    }
    return String.join("   |   ", parts);
  }

  private static Path save(Path file, JFreeChart chart) throws IOException {
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    return file;
  }

  private static ValueAxis linearAxis(String label) {
    org.jfree.chart.axis.NumberAxis axis = new org.jfree.chart.axis.NumberAxis(label);
    axis.setAutoRangeIncludesZero(true);
    axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
    return axis;
  }

  private static ValueAxis countAxis(String label, double base) {
    return logAxis(label, base, 1, ScalingCharts::count);
  }

  private static ValueAxis sizeAxis() {
    return logAxis("object size", 2, 2, v -> bytes((long) Math.round(v)));
  }

  /** A log axis with a tick every {@code step} powers of {@code base}, labelled by format. */
  private static ValueAxis logAxis(
      String label, double base, double step, DoubleFunction<String> format) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(base);
    axis.setSmallestValue(1e-6);
    axis.setTickUnit(new NumberTickUnit(step), false, false);
    axis.setAutoTickUnitSelection(false);
    axis.setNumberFormatOverride(new LabelFormat(format));
    axis.setMinorTickMarksVisible(true);
    return axis;
  }

  /**
   * A size in bytes as people write it: {@code 1 KiB}, {@code 256 MiB}, {@code 1 GiB}.
   *
   * @param bytes the size
   * @return the text
   */
  static String bytes(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v == Math.rint(v)
            ? String.format(Locale.ROOT, "%.0f", v)
            : String.format(Locale.ROOT, "%.1f", v))
        + " "
        + units[u];
  }

  private static String count(double n) {
    if (n >= 1e6) {
      return new DecimalFormat("#.##").format(n / 1e6) + "M";
    }
    if (n >= 1e3) {
      return new DecimalFormat("#.##").format(n / 1e3) + "k";
    }
    return new DecimalFormat("#.##").format(n);
  }

  /** A NumberFormat that only formats, through a function (JFreeChart's tick labels). */
  private static final class LabelFormat extends NumberFormat {
    private final transient DoubleFunction<String> format;

    LabelFormat(DoubleFunction<String> format) {
      this.format = format;
    }

    @Override
    public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
      return to.append(format.apply(number));
    }

    @Override
    public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
      return to.append(format.apply(number));
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      throw new UnsupportedOperationException("tick labels are not parsed");
    }
  }
}
