package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed call overloads ({@link PrismCalls}, {@link ActorCalls}) are exactly what {@code
 * scripts/generate_calls.py} writes: the test runs the generator into a temporary directory and
 * compares the files byte for byte, so a hand edit of either side fails the build.
 */
class GeneratedCallsTest {

  private static final List<String> FILES = List.of("PrismCalls.java", "ActorCalls.java");

  @Test
  void theCommittedCallOverloadsAreWhatTheGeneratorWrites(@TempDir Path out) throws Exception {
    Path root = repositoryRoot();
    Path script = root.resolve("scripts/generate_calls.py");
    assumeTrue(
        pythonAvailable(), "python3 is not on the PATH: cannot run " + script + " to compare");
    Process generator =
        new ProcessBuilder("python3", script.toString(), "--out", out.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(generator.waitFor(60, TimeUnit.SECONDS)).as("the generator finishes").isTrue();
    String output = new String(generator.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(generator.exitValue()).as("the generator's exit code; it said: " + output).isZero();
    Path sources = root.resolve("core/src/main/java/dev/prism");
    for (String file : FILES) {
      assertThat(Files.readString(sources.resolve(file)))
          .as(
              "%s differs from what scripts/generate_calls.py writes: change the generator and run"
                  + " it (python3 scripts/generate_calls.py) instead of editing the file",
              file)
          .isEqualTo(Files.readString(out.resolve(file)));
      assertThat(Files.readAllBytes(sources.resolve(file)))
          .as("%s, byte for byte", file)
          .isEqualTo(Files.readAllBytes(out.resolve(file)));
    }
  }

  /** The repository root: the nearest directory up from here that holds the generator. */
  private static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/generate_calls.py"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "scripts/generate_calls.py not found above " + Path.of("").toAbsolutePath());
  }

  private static boolean pythonAvailable() throws InterruptedException {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
