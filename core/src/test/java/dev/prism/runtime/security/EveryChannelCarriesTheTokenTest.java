package dev.prism.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Scans core's sources: every gRPC channel that is built sends the cluster token and every gRPC
 * server that is built checks it. A channel built without it fails only at run time, and only where
 * the call is made (a worker asked to exit without the token refuses and is killed after the grace
 * period instead), so a forgotten one is easy to miss in behavioural tests.
 */
class EveryChannelCarriesTheTokenTest {

  private static final Path SOURCES = Path.of("src/main/java");

  /** How many lines after the builder's start the interceptor may be added. */
  private static final int WINDOW = 8;

  @Test
  void everyChannelAndServerBuilderInstallsTheTokenInterceptor() throws IOException {
    assertThat(SOURCES).as("core's sources (tests run in the module directory)").isDirectory();
    List<String> channels = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i);
          if (line.trim().startsWith("*")
              || line.trim().startsWith("//")
              || line.trim().startsWith("import ")) {
            continue;
          }
          // a builder's start, possibly split over two lines ("NettyServerBuilder\n .forAddress")
          String joined = line + (i + 1 < lines.size() ? lines.get(i + 1).trim() : "");
          String needed = null;
          if (line.contains("newChannelBuilder")
              || line.contains("ChannelBuilder.for")
              || (line.trim().endsWith("ChannelBuilder")
                  && joined.contains("ChannelBuilder.for"))) {
            needed = "clientInterceptor(";
          } else if (line.contains("ServerBuilder.for")
              || (line.trim().endsWith("ServerBuilder") && joined.contains("ServerBuilder.for"))) {
            needed = "serverInterceptor(";
          }
          if (needed == null) {
            continue;
          }
          String where = SOURCES.relativize(file) + ":" + (i + 1);
          channels.add(where);
          String window = String.join("\n", lines.subList(i, Math.min(lines.size(), i + WINDOW)));
          if (!window.contains(needed)) {
            missing.add(where + " (no " + needed + "...) within " + WINDOW + " lines)");
          }
        }
      }
    }
    assertThat(channels)
        .as("builders found (the scan must see every server too)")
        .anyMatch(w -> w.contains("GcsServer"))
        .anyMatch(w -> w.contains("NodeManager.java"))
        .anyMatch(w -> w.contains("CoreWorker"))
        .hasSizeGreaterThan(8);
    assertThat(missing).as("channels or servers built without the cluster token").isEmpty();
  }
}
