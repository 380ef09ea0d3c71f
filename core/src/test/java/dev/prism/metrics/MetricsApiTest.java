package dev.prism.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.spi.MetricRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The metrics API's validation, its aggregation per process, and that unused it costs nothing. */
class MetricsApiTest {

  @Test
  void badNamesAndTagKeysAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Counter.builder("1bad").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1bad'")
        .hasMessageContaining("[a-zA-Z_:][a-zA-Z0-9_:]*");
    assertThatThrownBy(() -> Gauge.builder("has-dash").build())
        .hasMessageContaining("'has-dash' is not valid");
    assertThatThrownBy(() -> Gauge.builder("api_test_things_total").build())
        .hasMessageContaining("only a counter's name may end with it");
    assertThatThrownBy(() -> Histogram.builder("api_test_latency_bucket").boundaries(1).build())
        .hasMessageContaining("'_bucket'");
    assertThatThrownBy(() -> Counter.builder("api_test_a_total").tagKeys("ok", "bad key").build())
        .hasMessageContaining("tag key 'bad key'");
    assertThatThrownBy(() -> Counter.builder("api_test_b_total").tagKeys("job_id").build())
        .hasMessageContaining("tag key 'job_id'")
        .hasMessageContaining("reserved");
    assertThatThrownBy(() -> Counter.builder("api_test_c_total").tagKeys("x", "x").build())
        .hasMessageContaining("names a tag key twice");
    assertThatThrownBy(() -> Histogram.builder("api_test_seconds").build())
        .hasMessageContaining("needs at least one bucket boundary");
    assertThatThrownBy(() -> Histogram.builder("api_test_seconds").boundaries(1, 1).build())
        .hasMessageContaining("strictly ascending");
  }

  @Test
  void redefiningANameReturnsTheSameMetricOrFailsOnAConflict() {
    Counter a = Counter.builder("api_test_requests").tagKeys("route").build();
    Counter again = Counter.builder("api_test_requests").tagKeys("route").build();
    assertThat(again.tagKeys()).isEqualTo(a.tagKeys());
    assertThatThrownBy(() -> Gauge.builder("api_test_requests").tagKeys("route").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already defined in this process as a counter with tag keys [route]");
    assertThatThrownBy(() -> Counter.builder("api_test_requests").tagKeys("code").build())
        .hasMessageContaining("it cannot also be a counter with tag keys [code]");
    Histogram.builder("api_test_size_bytes").boundaries(1, 10).build();
    assertThatThrownBy(() -> Histogram.builder("api_test_size_bytes").boundaries(1, 100).build())
        .hasMessageContaining("boundaries [1.0, 10.0]");
  }

  @Test
  void badValuesAndTagValuesAreRefused() {
    Counter c = Counter.builder("api_test_values_total").tagKeys("a", "b").build();
    assertThatThrownBy(() -> c.inc("only-one"))
        .hasMessageContaining("has tag keys [a, b], so it needs 2 tag values");
    assertThatThrownBy(() -> c.inc("x", null)).hasMessageContaining("tag 'b' is null");
    assertThatThrownBy(() -> c.inc(-1, "x", "y")).hasMessageContaining("only goes up");
    Gauge g = Gauge.builder("api_test_gauge").build();
    assertThatThrownBy(() -> g.set(Double.NaN)).hasMessageContaining("cannot record NaN");
  }

  @Test
  void aProcessSendsIncreasesBucketsAndTheLatestGauge() {
    Counter c = Counter.builder("api_test_sent_total").tagKeys("k").build();
    Gauge g = Gauge.builder("api_test_level").build();
    Histogram h = Histogram.builder("api_test_sent_seconds").boundaries(0.1, 1).build();
    MetricRegistry.get().drain();
    c.inc("x");
    c.inc(2, "x");
    g.set(5);
    g.set(7);
    h.observe(0.05);
    h.observe(0.1);
    h.observe(3);
    List<MetricRegistry.Point> points = mine(MetricRegistry.get().drain());
    assertThat(points).hasSize(3);
    for (MetricRegistry.Point p : points) {
      switch (p.definition().name()) {
        case "api_test_sent_total" -> assertThat(p.value()).isEqualTo(3.0);
        case "api_test_level" -> assertThat(p.value()).isEqualTo(7.0);
        default -> {
          assertThat(p.bucketCounts()).containsExactly(2, 0, 1);
          assertThat(p.bucketSums()[0]).isCloseTo(0.15, org.assertj.core.data.Offset.offset(1e-9));
        }
      }
    }
    // Sent: nothing new until more is recorded; a failed send is put back whole.
    assertThat(mine(MetricRegistry.get().drain())).isEmpty();
    c.inc("x");
    List<MetricRegistry.Point> again = mine(MetricRegistry.get().drain());
    MetricRegistry.get().restore(again);
    c.inc("x");
    assertThat(mine(MetricRegistry.get().drain()))
        .singleElement()
        .extracting(p -> p.value())
        .isEqualTo(2.0);
  }

  private static List<MetricRegistry.Point> mine(List<MetricRegistry.Point> all) {
    return all.stream()
        .filter(
            p ->
                p.definition().name().startsWith("api_test_sent")
                    || p.definition().name().equals("api_test_level"))
        .toList();
  }

  /** Prints whether the reporting thread runs before and after the first metric is built. */
  public static final class ThreadProbe {
    private ThreadProbe() {}

    /**
     * Runs it.
     *
     * @param args unused
     */
    public static void main(String[] args) {
      Counter.Builder b = Counter.builder("probe_total").tagKeys("k");
      System.out.println("before " + exporting());
      b.build().inc("v");
      System.out.println("after " + exporting());
    }

    private static boolean exporting() {
      return Thread.getAllStackTraces().keySet().stream()
          .anyMatch(t -> t.getName().equals("prism-metrics-export"));
    }
  }

  @Test
  void nothingRunsUntilTheFirstMetricIsBuilt() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.add("-Xmx64m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ThreadProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).as(out).contains("before false").contains("after true");
  }
}
