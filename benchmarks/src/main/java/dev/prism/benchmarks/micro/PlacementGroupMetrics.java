package dev.prism.benchmarks.micro;

import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ray_perf.py's last section: a fresh cluster with {@code custom=100}, then 100 placement groups of
 * one bundle {@code {custom: 0.001}} created, each waited for (30 s at most), then removed;
 * multiplier 100.
 */
final class PlacementGroupMetrics {

  private static final int NUM_PGS = 100;
  private static final int NUM_BUNDLES = 1;

  private PlacementGroupMetrics() {}

  static void run(Timeit t, PrismConfig.Builder config) throws Exception {
    if (!t.selected("placement group create/removal")) {
      return;
    }
    Prism.shutdown();
    Prism.init(config.resource("custom", 100).build());
    t.run("placement group create/removal", () -> createAndRemove(NUM_PGS), NUM_PGS);
  }

  static int createAndRemove(int numPgs) {
    List<Map<String, Double>> bundles = new ArrayList<>(NUM_BUNDLES);
    for (int i = 0; i < NUM_BUNDLES; i++) {
      bundles.add(Map.of("custom", 0.001));
    }
    List<PlacementGroup> pgs = new ArrayList<>(numPgs);
    for (int i = 0; i < numPgs; i++) {
      pgs.add(PlacementGroups.create(bundles, PlacementStrategy.PACK));
    }
    for (PlacementGroup pg : pgs) {
      pg.waitUntilReady(Duration.ofSeconds(30));
    }
    for (PlacementGroup pg : pgs) {
      PlacementGroups.remove(pg);
    }
    return 0;
  }
}
