package dev.prism.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.tune.TrialResult;
import dev.prism.tune.TrialStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digits sweep as a user runs it: real ml-train runs as trials, ASHA stopping the poor ones.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TuneDigitsTest {

  @Test
  void ashaStopsPoorTrialsEarlyAndTheBestTrialClassifiesWell(@TempDir Path dir) throws Exception {
    int trials = 6;
    int epochs = 6;
    Prism.init(PrismConfig.builder().numCpus(2).workerJvmOptions(List.of("-Xmx256m")).build());
    TuneDigits.Sweep s;
    try {
      s = TuneDigits.run(new TuneDigits.Options(trials, epochs, "asha", dir, "sweep", 42), false);
    } finally {
      Prism.shutdown();
    }
    System.out.println(
        "TuneDigitsTest: "
            + s.totals()
            + "; best "
            + s.best().config()
            + " accuracy "
            + s.best().metric("accuracy"));
    assertThat(s.grid().errors()).isEmpty();
    assertThat(s.grid().size()).isEqualTo(trials);
    assertThat(s.grid().results()).allMatch(t -> t.status() == TrialStatus.TERMINATED);
    assertThat(s.best().metric("accuracy")).isGreaterThanOrEqualTo(0.9);
    assertThat(s.best().history()).hasSize(epochs);
    assertThat(s.stoppedEarly()).as("trials ASHA stopped before the last epoch").isPositive();
    assertThat(s.grid().results().stream().map(t -> t.history().size()))
        .as("ASHA stops only at its rungs, 2 and 6 epochs")
        .allMatch(n -> n == 2 || n == 6);
    assertThat(s.iterations())
        .isEqualTo(s.grid().results().stream().mapToLong(t -> t.history().size()).sum())
        .isLessThan((long) trials * epochs);
    for (TrialResult t : s.grid().results()) {
      assertThat(t.series("accuracy")).allMatch(a -> a >= 0 && a <= 1);
    }
    assertThat(Files.readAllLines(s.csv())).hasSize(trials + 1);
    assertThat(Files.readString(s.csv())).contains("config/lr", "config/hidden", "accuracy");
    for (Path png : s.charts()) {
      byte[] head = Arrays.copyOf(Files.readAllBytes(png), 4);
      assertThat(head).containsExactly(0x89, 'P', 'N', 'G');
    }
  }
}
