package dev.prism.runtime.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of {@code dev.prism.metrics} that code in this process defined, and what it recorded
 * since the runtime last sent them to the node: counters keep their increase, gauges their last
 * value, histograms their observations per bucket. One per process. Defining the first metric asks
 * the runtime to start sending ({@link PrismRuntime#startMetricsExport()}); until then nothing
 * runs.
 */
public final class MetricRegistry {

  /** What a metric is. */
  public enum Kind {
    /** Only goes up; exported as its total. */
    COUNTER,
    /** A value that is set; the last one set is exported. */
    GAUGE,
    /** Observations counted in buckets, with their sum and count. */
    HISTOGRAM
  }

  /** The series one metric may have in a process (tag values times jobs); more are dropped. */
  public static final int MAX_SERIES_PER_METRIC = 10_000;

  /** Labels the node adds to every reported series; a metric cannot use them as tag keys. */
  public static final Set<String> RESERVED_TAG_KEYS = Set.of("node_id", "job_id", "le", "quantile");

  private static final Logger LOG = LoggerFactory.getLogger(MetricRegistry.class);
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern TAG_KEY = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final List<String> SUFFIXES_OF_SERIES =
      List.of("_total", "_bucket", "_count", "_sum", "_created", "_info");
  private static final MetricRegistry INSTANCE = new MetricRegistry();

  private final Map<String, Definition> definitions = new ConcurrentHashMap<>();
  private volatile boolean exportStarted;

  private MetricRegistry() {}

  /**
   * The registry of this process.
   *
   * @return it
   */
  public static MetricRegistry get() {
    return INSTANCE;
  }

  /**
   * Defines a metric, or returns the one defined with the same name, kind, tag keys and boundaries.
   *
   * @param kind its kind
   * @param name its name, {@code [a-zA-Z_:][a-zA-Z0-9_:]*}
   * @param description what it measures (may be empty)
   * @param tagKeys its tag keys, {@code [a-zA-Z_][a-zA-Z0-9_]*}, distinct, none reserved
   * @param boundaries a histogram's bucket upper bounds: finite, strictly ascending, at least one;
   *     empty for other kinds
   * @return the definition
   * @throws IllegalArgumentException for a bad name, tag key or boundary, or a name defined before
   *     with another kind, other tag keys or other boundaries
   */
  public Definition define(
      Kind kind, String name, String description, List<String> tagKeys, double[] boundaries) {
    Objects.requireNonNull(kind, "kind");
    checkName(kind, name);
    Objects.requireNonNull(description, "description");
    List<String> keys = checkTagKeys(name, tagKeys);
    double[] bounds = checkBoundaries(kind, name, boundaries);
    Definition d =
        definitions.computeIfAbsent(name, n -> new Definition(kind, n, description, keys, bounds));
    if (d.kind != kind || !d.tagKeys.equals(keys) || !Arrays.equals(d.boundaries, bounds)) {
      throw new IllegalArgumentException(
          "metric '"
              + name
              + "' is already defined in this process as a "
              + d.describe()
              + "; it cannot also be a "
              + new Definition(kind, name, description, keys, bounds).describe()
              + ": define it with the same kind, tag keys and boundaries, or choose another name");
    }
    if (!exportStarted) {
      synchronized (this) {
        if (!exportStarted) {
          exportStarted = true;
          Runtimes.get().startMetricsExport();
        }
      }
    }
    return d;
  }

  /**
   * Whether a metric was defined in this process (and the runtime asked to send them).
   *
   * @return true after the first definition
   */
  public boolean exportStarted() {
    return exportStarted;
  }

  /**
   * Takes what was recorded since the last call: counters' increases, histograms' new observations,
   * and gauges set since then. Recording goes on meanwhile; nothing is lost.
   *
   * @return the points, each of one series
   */
  public List<Point> drain() {
    List<Point> out = new ArrayList<>();
    for (Definition d : definitions.values()) {
      d.series.forEach((k, s) -> s.drain(d, k, out));
    }
    return out;
  }

  /**
   * Puts back points that could not be sent, to go with the next report (a gauge only if it was not
   * set again since).
   *
   * @param points points {@link #drain()} returned
   */
  public void restore(List<Point> points) {
    for (Point p : points) {
      Series s = p.definition.series.get(new SeriesKey(p.jobId, p.tagValues));
      if (s != null) {
        s.restore(p);
      }
    }
  }

  /**
   * Checks a metric's definition as {@link #define} does, for a node that receives one.
   *
   * @param kind its kind
   * @param name its name
   * @param tagKeys its tag keys
   * @param boundaries a histogram's boundaries; empty for other kinds
   * @throws IllegalArgumentException with the reason, when {@link #define} would refuse it
   */
  public static void check(Kind kind, String name, List<String> tagKeys, double[] boundaries) {
    checkName(kind, name);
    checkTagKeys(name, tagKeys);
    checkBoundaries(kind, name, boundaries);
  }

  private static void checkName(Kind kind, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "metric name '"
              + name
              + "' is not valid: use letters, digits, '_' and ':', not starting with a digit"
              + " ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    }
    for (String suffix : SUFFIXES_OF_SERIES) {
      if (name.endsWith(suffix) && !(kind == Kind.COUNTER && suffix.equals("_total"))) {
        throw new IllegalArgumentException(
            "metric name '"
                + name
                + "' ends with '"
                + suffix
                + "', which Prometheus gives to the series it derives from a metric; "
                + (suffix.equals("_total")
                    ? "only a counter's name may end with it"
                    : "choose a name without it"));
      }
    }
  }

  private static List<String> checkTagKeys(String name, List<String> tagKeys) {
    Objects.requireNonNull(tagKeys, "tagKeys");
    for (String k : tagKeys) {
      if (k == null || !TAG_KEY.matcher(k).matches() || k.startsWith("__")) {
        throw new IllegalArgumentException(
            "tag key '"
                + k
                + "' of metric '"
                + name
                + "' is not valid: use letters, digits and '_', not starting with a digit or"
                + " '__' ([a-zA-Z_][a-zA-Z0-9_]*)");
      }
      if (RESERVED_TAG_KEYS.contains(k)) {
        throw new IllegalArgumentException(
            "tag key '"
                + k
                + "' of metric '"
                + name
                + "' is reserved: the node adds node_id and job_id to every series, and le and"
                + " quantile belong to histograms; choose another key");
      }
    }
    if (Set.copyOf(tagKeys).size() != tagKeys.size()) {
      throw new IllegalArgumentException("metric '" + name + "' names a tag key twice: " + tagKeys);
    }
    return List.copyOf(tagKeys);
  }

  private static double[] checkBoundaries(Kind kind, String name, double[] boundaries) {
    Objects.requireNonNull(boundaries, "boundaries");
    if (kind != Kind.HISTOGRAM) {
      if (boundaries.length > 0) {
        throw new IllegalArgumentException("only a histogram has boundaries, not " + name);
      }
      return boundaries;
    }
    if (boundaries.length == 0) {
      throw new IllegalArgumentException(
          "histogram '" + name + "' needs at least one bucket boundary");
    }
    for (int i = 0; i < boundaries.length; i++) {
      if (!Double.isFinite(boundaries[i]) || (i > 0 && boundaries[i] <= boundaries[i - 1])) {
        throw new IllegalArgumentException(
            "the boundaries of histogram '"
                + name
                + "' must be finite and strictly ascending: "
                + Arrays.toString(boundaries));
      }
    }
    return boundaries.clone();
  }

  /** One defined metric and its series. */
  public static final class Definition {
    private final Kind kind;
    private final String name;
    private final String description;
    private final List<String> tagKeys;
    private final double[] boundaries;
    private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();
    private volatile boolean warnedFull;

    private Definition(
        Kind kind, String name, String description, List<String> tagKeys, double[] boundaries) {
      this.kind = kind;
      this.name = name;
      this.description = description;
      this.tagKeys = tagKeys;
      this.boundaries = boundaries;
    }

    /**
     * The kind.
     *
     * @return it
     */
    public Kind kind() {
      return kind;
    }

    /**
     * The name.
     *
     * @return it
     */
    public String name() {
      return name;
    }

    /**
     * The description.
     *
     * @return it
     */
    public String description() {
      return description;
    }

    /**
     * The tag keys, in order.
     *
     * @return them
     */
    public List<String> tagKeys() {
      return tagKeys;
    }

    /**
     * A histogram's bucket upper bounds (a copy); empty for other kinds.
     *
     * @return them
     */
    public double[] boundaries() {
      return boundaries.clone();
    }

    /**
     * Records a value: a counter's increase, a gauge's value, a histogram's observation.
     *
     * @param value the value
     * @param tagValues one value per tag key, in order
     * @throws IllegalArgumentException for a wrong number of tag values, a null one, or a value the
     *     kind refuses (a negative or non-finite increase, NaN)
     */
    public void record(double value, String... tagValues) {
      if (tagValues == null || tagValues.length != tagKeys.size()) {
        throw new IllegalArgumentException(
            "metric '"
                + name
                + "' has tag keys "
                + tagKeys
                + ", so it needs "
                + tagKeys.size()
                + " tag values in that order, not "
                + (tagValues == null ? "null" : Arrays.toString(tagValues)));
      }
      for (int i = 0; i < tagValues.length; i++) {
        if (tagValues[i] == null) {
          throw new IllegalArgumentException(
              "metric '" + name + "': the value of tag '" + tagKeys.get(i) + "' is null");
        }
      }
      if (Double.isNaN(value)
          || (kind == Kind.COUNTER && (value < 0 || value == Double.POSITIVE_INFINITY))) {
        throw new IllegalArgumentException(
            kind == Kind.COUNTER
                ? "counter '" + name + "' only goes up by a finite amount, not " + value
                : "metric '" + name + "' cannot record NaN");
      }
      SeriesKey key = new SeriesKey(Runtimes.get().callerJobId(), List.of(tagValues));
      Series s = series.get(key);
      if (s == null) {
        if (series.size() >= MAX_SERIES_PER_METRIC) {
          if (!warnedFull) {
            warnedFull = true;
            LOG.warn(
                "metric '{}' has {} series in this process: values with new tags are dropped;"
                    + " use tags with fewer distinct values",
                name,
                MAX_SERIES_PER_METRIC);
          }
          return;
        }
        s = series.computeIfAbsent(key, k -> new Series(kind, boundaries.length));
      }
      s.record(kind, boundaries, value);
    }

    private String describe() {
      return kind.name().toLowerCase(java.util.Locale.ROOT)
          + " with tag keys "
          + tagKeys
          + (kind == Kind.HISTOGRAM ? " and boundaries " + Arrays.toString(boundaries) : "");
    }
  }

  private record SeriesKey(String jobId, List<String> tagValues) {}

  /**
   * What one series recorded since the last report.
   *
   * @param definition its metric
   * @param jobId the job the recording code ran in (hex), empty for none
   * @param tagValues its tag values, in the order of the metric's keys
   * @param value a counter's increase or a gauge's value
   * @param bucketCounts a histogram's new observations per bucket (the last is +Inf); else empty
   * @param bucketSums their sums per bucket; else empty
   */
  public record Point(
      Definition definition,
      String jobId,
      List<String> tagValues,
      double value,
      long[] bucketCounts,
      double[] bucketSums) {}

  private static final class Series {
    private final DoubleAdder increase;
    private final LongAdder[] counts;
    private final DoubleAdder[] sums;
    private volatile double gauge;
    private volatile long gaugeVersion;
    private long sentVersion;

    Series(Kind kind, int boundaries) {
      increase = kind == Kind.COUNTER ? new DoubleAdder() : null;
      if (kind == Kind.HISTOGRAM) {
        counts = new LongAdder[boundaries + 1];
        sums = new DoubleAdder[boundaries + 1];
        for (int i = 0; i <= boundaries; i++) {
          counts[i] = new LongAdder();
          sums[i] = new DoubleAdder();
        }
      } else {
        counts = null;
        sums = null;
      }
    }

    void record(Kind kind, double[] boundaries, double value) {
      switch (kind) {
        case COUNTER -> increase.add(value);
        case GAUGE -> {
          synchronized (this) {
            gauge = value;
            gaugeVersion++;
          }
        }
        case HISTOGRAM -> {
          int i = Arrays.binarySearch(boundaries, value);
          int bucket = i >= 0 ? i : -i - 1;
          counts[bucket].increment();
          sums[bucket].add(value);
        }
      }
    }

    void drain(Definition d, SeriesKey k, List<Point> out) {
      switch (d.kind) {
        case COUNTER -> {
          double v = increase.sumThenReset();
          if (v > 0) {
            out.add(new Point(d, k.jobId, k.tagValues, v, new long[0], new double[0]));
          }
        }
        case GAUGE -> {
          synchronized (this) {
            if (gaugeVersion != sentVersion) {
              sentVersion = gaugeVersion;
              out.add(new Point(d, k.jobId, k.tagValues, gauge, new long[0], new double[0]));
            }
          }
        }
        case HISTOGRAM -> {
          long[] c = new long[counts.length];
          double[] s = new double[counts.length];
          long any = 0;
          for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sumThenReset();
            s[i] = sums[i].sumThenReset();
            any += c[i];
          }
          if (any > 0) {
            out.add(new Point(d, k.jobId, k.tagValues, 0, c, s));
          }
        }
      }
    }

    void restore(Point p) {
      switch (p.definition.kind) {
        case COUNTER -> increase.add(p.value);
        case GAUGE -> {
          synchronized (this) {
            if (sentVersion == gaugeVersion) {
              sentVersion = gaugeVersion - 1;
            }
          }
        }
        case HISTOGRAM -> {
          for (int i = 0; i < counts.length; i++) {
            counts[i].add(p.bucketCounts[i]);
            sums[i].add(p.bucketSums[i]);
          }
        }
      }
    }
  }
}
