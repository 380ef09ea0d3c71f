package dev.prism.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.rpc.MetricPoint;
import dev.prism.runtime.rpc.ReportMetricsRequest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** How a node exports what its processes report. */
class ReportedMetricsTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ReportedMetrics node = new ReportedMetrics("n1", () -> registry);

  private static MetricPoint.Builder point(String name, MetricPoint.Kind kind, String route) {
    return MetricPoint.newBuilder()
        .setName(name)
        .setDescription("what it is")
        .setKind(kind)
        .addTagKeys("route")
        .addTagValues(route)
        .setJobId("01000000");
  }

  private void report(MetricPoint.Builder... points) {
    ReportMetricsRequest.Builder r = ReportMetricsRequest.newBuilder().setWorkerId("w");
    for (MetricPoint.Builder p : points) {
      r.addPoints(p);
    }
    assertThat(node.add(r.build()).getRefusedList()).isEmpty();
  }

  @Test
  void countersAddUpGaugesTakeTheLatestHistogramsKeepTheirBuckets() {
    report(
        point("t_requests_total", MetricPoint.Kind.COUNTER, "/a").setValue(2),
        point("t_queue", MetricPoint.Kind.GAUGE, "/a").setValue(4),
        point("t_latency_seconds", MetricPoint.Kind.HISTOGRAM, "/a")
            .addBoundaries(0.1)
            .addBoundaries(1)
            .addBucketCounts(2)
            .addBucketSums(0.1)
            .addBucketCounts(0)
            .addBucketSums(0)
            .addBucketCounts(1)
            .addBucketSums(5));
    // another process of the node, same tags
    report(
        point("t_requests_total", MetricPoint.Kind.COUNTER, "/a").setValue(3),
        point("t_queue", MetricPoint.Kind.GAUGE, "/a").setValue(1));
    String text = registry.scrape();
    String labels = "job_id=\"01000000\",node_id=\"n1\",route=\"/a\"";
    assertThat(text)
        .contains("t_requests_total{" + labels + "} 5.0")
        .contains("t_queue{" + labels + "} 1.0")
        .contains("t_latency_seconds_bucket{" + labels + ",le=\"0.1\"} 2")
        .contains("t_latency_seconds_bucket{" + labels + ",le=\"1.0\"} 2")
        .contains("t_latency_seconds_bucket{" + labels + ",le=\"+Inf\"} 3")
        .contains("t_latency_seconds_count{" + labels + "} 3")
        .contains("t_latency_seconds_sum{" + labels + "} 5.1")
        .contains("# HELP t_requests_total what it is");
    node.close();
    assertThat(registry.scrape()).doesNotContain("t_requests_total").doesNotContain("t_queue");
  }

  @Test
  void aNameTheNodeExportsDifferentlyIsRefusedWithTheReason() {
    Gauge.builder("t_own", () -> 1).tag("node_id", "n1").register(registry);
    var reply =
        node.add(
            ReportMetricsRequest.newBuilder()
                .addPoints(point("t_own", MetricPoint.Kind.COUNTER, "/a").setValue(1))
                .build());
    assertThat(reply.getRefusedList()).singleElement().asString().startsWith("t_own: ");
    assertThat(registry.scrape()).doesNotContain("route=\"/a\"");
  }

  @Test
  void pointsTheApiWouldNotSendAreRefusedAndTheScrapeStaysWhole() {
    var reply =
        node.add(
            ReportMetricsRequest.newBuilder()
                .addPoints(point("1bad", MetricPoint.Kind.GAUGE, "/a").setValue(1))
                .addPoints(point("t_down_total", MetricPoint.Kind.COUNTER, "/a").setValue(-1))
                .addPoints(
                    point("t_h_seconds", MetricPoint.Kind.HISTOGRAM, "/a")
                        .addBoundaries(1)
                        .addBucketCounts(1))
                .addPoints(
                    MetricPoint.newBuilder()
                        .setName("t_keys")
                        .setKind(MetricPoint.Kind.GAUGE)
                        .addTagKeys("node_id")
                        .addTagValues("x"))
                .build());
    assertThat(reply.getRefusedList()).hasSize(4);
    assertThat(reply.getRefusedList().get(0)).contains("is not valid");
    assertThat(registry.scrape()).doesNotContain("1bad").doesNotContain("t_h_seconds");
  }
}
