package dev.prism.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The serving example as a user runs it with --exit: train, save, deploy, 100 digits over HTTP. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServeDigitsTest {

  @Test
  void servesTheTrainedClassifierOverHttpAccuratelyAndInBatches(@TempDir Path dir)
      throws Exception {
    ServeDigits.Outcome o =
        ServeDigits.run(
            new String[] {
              "--epochs",
              "10",
              "--requests",
              "100",
              "--port",
              "0",
              "--storage",
              dir.toString(),
              "--exit"
            });
    assertThat(o.requests()).isEqualTo(100);
    assertThat(o.accuracy()).isGreaterThan(0.9);
    assertThat(o.largestBatch()).as("a batch of more than one request formed").isGreaterThan(1);
    assertThat(o.meanBatchSize()).isGreaterThan(1.0);
    assertThat(o.modelDir().resolve("digits-0000.params")).isNotEmptyFile();
  }
}
