package dev.prism.tune;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.train.RunConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
  static void fast(Map<String, Object> c, TuneContext ctx) {
    long end = System.nanoTime() + 3_000_000_000L;
    int i = 0;
    while (System.nanoTime() < end) {
      ctx.report(Map.of("score", i++));
    }
  }

  static void once(Map<String, Object> c, TuneContext ctx) {
    ctx.report(Map.of("score", 1));
  }

  @Test
  void probe(@TempDir Path dir) {
    Prism.init(PrismConfig.builder().numCpus(4).workerJvmOptions(List.of("-Xmx128m")).build());
    try {
      for (int round = 0; round < 1; round++) {
        for (boolean sync : new boolean[] {true}) {
          Tuner.Builder b =
              Tuner.builder(ProbeTest::fast)
                  .tuneConfig(
                      TuneConfig.builder("score", Mode.MAX)
                          .numSamples(1)
                          .maxConcurrentTrials(1)
                          .build())
                  .runConfig(RunConfig.builder("b" + round + sync).storagePath(dir).build())
                  .progress(false);
          if (sync) {
            b.stop("training_iteration", 1e12);
          }
          long t0 = System.nanoTime();
          ResultGrid g = b.build().fit();
          double s = (System.nanoTime() - t0) / 1e9;
          long n = g.results().stream().mapToLong(r -> r.history().size()).sum();
          System.out.printf("PROBE sync=%s results=%d in %.2f s -> %.0f/s%n", sync, n, s, n / s);
        }
        long t0 = System.nanoTime();
        ResultGrid g =
            Tuner.builder(ProbeTest::once)
                .tuneConfig(
                    TuneConfig.builder("score", Mode.MAX)
                        .numSamples(200)
                        .maxConcurrentTrials(4)
                        .build())
                .runConfig(RunConfig.builder("a" + round).storagePath(dir).build())
                .progress(false)
                .build()
                .fit();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("PROBE 200 trials in %.2f s -> %.1f/s%n", s, 200 / s);
      }
    } finally {
      Prism.shutdown();
    }
  }
}
