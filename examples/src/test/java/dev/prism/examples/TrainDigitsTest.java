package dev.prism.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.train.Charts;
import dev.prism.train.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The digits example as a user runs it: 2 workers, real data, a real model. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TrainDigitsTest {

  @Test
  void twoWorkersReachNinetyFivePercentTestAccuracyAndKeepTheBestCheckpoints(@TempDir Path dir)
      throws Exception {
    Prism.init(PrismConfig.builder().numCpus(2).workerJvmOptions(List.of("-Xmx256m")).build());
    Result r;
    try {
      r = TrainDigits.run(2, 15, dir, "digits", false);
    } finally {
      Prism.shutdown();
    }
    assertThat(r.error()).isEmpty();
    assertThat(r.history()).hasSize(15);
    assertThat(r.metric("accuracy").getLast()).isGreaterThanOrEqualTo(0.95);
    assertThat(r.metric("loss").getLast()).isLessThan(r.metric("loss").getFirst() / 5);
    assertThat(r.bestCheckpoints()).hasSize(2);
    Path best = r.bestCheckpoints().getFirst().path();
    assertThat(best.resolve("digits-0000.params")).isNotEmptyFile();
    assertThat(best.resolve("metrics.json")).content().contains("\"accuracy\"");
    Path png = dir.resolve("chart.png");
    Charts.lines(png, "digits", Map.of("accuracy", r.metric("accuracy")));
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
    assertThat(head).containsExactly(0x89, 'P', 'N', 'G');
  }
}
