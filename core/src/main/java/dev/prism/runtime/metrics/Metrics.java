package dev.prism.runtime.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The process's metric registry: one per JVM, shared by the servers it runs (a head's GCS and node
 * manager export through one endpoint), created on first use with the JVM's own metrics bound. A
 * component that registers meters keeps them in a {@link Binding} and closes it when it stops, so a
 * process that runs several node managers after one another (tests) never reads a closed one.
 */
public final class Metrics {

  private static volatile PrometheusMeterRegistry registry;
  private static volatile boolean enabled;

  private Metrics() {}

  /**
   * Turns metrics on for this process: servers started afterwards time their calls ({@link
   * RpcMetrics}). Node processes ({@code prism start}) turn them on; an embedded cluster inside a
   * driver leaves them off and pays nothing for them.
   */
  public static void enable() {
    enabled = true;
  }

  /**
   * Whether {@link #enable()} was called in this process.
   *
   * @return true when servers should record metrics
   */
  public static boolean enabled() {
    return enabled;
  }

  /**
   * Returns the process's registry, creating it on first use.
   *
   * @return the registry
   */
  public static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry r = registry;
    if (r == null) {
      synchronized (Metrics.class) {
        r = registry;
        if (r == null) {
          r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
          new JvmMemoryMetrics().bindTo(r);
          new JvmThreadMetrics().bindTo(r);
          new ClassLoaderMetrics().bindTo(r);
          new ProcessorMetrics().bindTo(r);
          new UptimeMetrics().bindTo(r);
          @SuppressWarnings("resource") // lives as long as the process
          JvmGcMetrics gc = new JvmGcMetrics();
          gc.bindTo(r);
          registry = r;
        }
      }
    }
    return r;
  }

  /**
   * Returns the registry's contents in the Prometheus text format (version 0.0.4).
   *
   * @return the scrape
   */
  public static String scrape() {
    return registry().scrape();
  }

  /** Meters registered together, removed together. */
  public static final class Binding implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    Binding(MeterRegistry registry) {
      this.registry = registry;
    }

    <M extends Meter> M add(M meter) {
      synchronized (meters) {
        meters.add(meter);
      }
      return meter;
    }

    MeterRegistry registry() {
      return registry;
    }

    /** Removes the meters from the registry. Idempotent. */
    @Override
    public void close() {
      synchronized (meters) {
        meters.forEach(registry::remove);
        meters.clear();
      }
    }
  }
}
