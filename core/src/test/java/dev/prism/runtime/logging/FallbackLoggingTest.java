package dev.prism.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class FallbackLoggingTest {

  @Test
  void aProviderOnTheClassPathWins() {
    // The tests' class path has slf4j-simple.
    String before = System.getProperty(FallbackLogging.PROVIDER_PROPERTY);
    assertThat(FallbackLogging.installIfNoProvider()).isFalse();
    assertThat(System.getProperty(FallbackLogging.PROVIDER_PROPERTY)).isEqualTo(before);
  }

  @Test
  void theFallbackWritesWarningsAndErrorsAndDropsTheRest() {
    Logger log =
        new FallbackServiceProvider().getLoggerFactory().getLogger("dev.prism.runtime.Thing");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      log.info("not shown {}", 1);
      log.debug("not shown either");
      log.warn("disk {} is {}% full", "/data", 93);
      log.error("call failed", new IllegalStateException("boom"));
    } finally {
      System.setErr(saved);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("not shown");
    assertThat(text).contains("WARN Thing - disk /data is 93% full");
    assertThat(text).contains("ERROR Thing - call failed");
    assertThat(text).contains("java.lang.IllegalStateException: boom");
    assertThat(log.isInfoEnabled()).isFalse();
    assertThat(log.isWarnEnabled()).isTrue();
  }
}
