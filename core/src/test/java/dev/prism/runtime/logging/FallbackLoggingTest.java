package dev.prism.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
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
  void withNoProviderTheFallbackIsNamedAndSlf4jKeptQuiet() throws java.io.IOException {
    String provider = System.getProperty(FallbackLogging.PROVIDER_PROPERTY);
    String verbosity = System.getProperty(FallbackLogging.VERBOSITY_PROPERTY);
    // A class loader that sees the JDK only: no SLF4J provider.
    try (URLClassLoader bare = new URLClassLoader(new URL[0], null)) {
      System.clearProperty(FallbackLogging.PROVIDER_PROPERTY);
      System.clearProperty(FallbackLogging.VERBOSITY_PROPERTY);
      assertThat(FallbackLogging.installIfNoProvider(bare)).isTrue();
      assertThat(System.getProperty(FallbackLogging.PROVIDER_PROPERTY))
          .isEqualTo(FallbackServiceProvider.class.getName());
      assertThat(System.getProperty(FallbackLogging.VERBOSITY_PROPERTY)).isEqualTo("WARN");

      // A provider named already is kept, and so is a verbosity chosen by the user.
      System.setProperty(FallbackLogging.PROVIDER_PROPERTY, "com.example.TheirProvider");
      assertThat(FallbackLogging.installIfNoProvider(bare)).isFalse();
      assertThat(System.getProperty(FallbackLogging.PROVIDER_PROPERTY))
          .isEqualTo("com.example.TheirProvider");
      System.clearProperty(FallbackLogging.PROVIDER_PROPERTY);
      System.setProperty(FallbackLogging.VERBOSITY_PROPERTY, "DEBUG");
      assertThat(FallbackLogging.installIfNoProvider(bare)).isTrue();
      assertThat(System.getProperty(FallbackLogging.VERBOSITY_PROPERTY)).isEqualTo("DEBUG");
    } finally {
      restore(FallbackLogging.PROVIDER_PROPERTY, provider);
      restore(FallbackLogging.VERBOSITY_PROPERTY, verbosity);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
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
