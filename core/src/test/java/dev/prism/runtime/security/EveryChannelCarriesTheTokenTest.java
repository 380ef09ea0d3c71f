package dev.prism.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Scans core's sources: gRPC channels and servers are built in one place only, {@code
 * dev.prism.runtime.net.Rpc}, which installs the cluster token on every channel and checks it on
 * every server (RpcTest shows it does). A channel built anywhere else could go without the token,
 * and that fails only at run time, only where the call is made (a worker asked to exit without the
 * token refuses and is killed after the grace period instead), so a stray builder is easy to miss
 * in behavioural tests.
 */
class EveryChannelCarriesTheTokenTest {

  private static final Path SOURCES = Path.of("src/main/java");

  /** The one file allowed to build channels and servers. */
  private static final Path FACTORY = Path.of("dev/prism/runtime/net/Rpc.java");

  /** A use of a gRPC channel or server builder, in code (comments are skipped). */
  private static final Pattern BUILDER =
      Pattern.compile(
          "\\b(\\w*ChannelBuilder|\\w*ServerBuilder|newChannelBuilder\\w*|newServerBuilder\\w*)\\b");

  @Test
  void onlyTheFactoryBuildsChannelsAndServers() throws IOException {
    assertThat(SOURCES).as("core's sources (tests run in the module directory)").isDirectory();
    List<String> elsewhere = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        if (SOURCES.relativize(file).equals(FACTORY)) {
          continue;
        }
        elsewhere.addAll(builderUses(file));
      }
    }
    assertThat(elsewhere).as("gRPC builders used outside %s", FACTORY).isEmpty();
  }

  @Test
  void theFactoryInstallsTheTokenOnChannelsAndServers() throws IOException {
    String factory = Files.readString(SOURCES.resolve(FACTORY));
    assertThat(builderUses(SOURCES.resolve(FACTORY)))
        .as("the scan recognises the factory's own builders")
        .anyMatch(u -> u.contains("NettyChannelBuilder"))
        .anyMatch(u -> u.contains("NettyServerBuilder"));
    assertThat(factory)
        .contains("TokenAuth.clientInterceptor(")
        .contains("TokenAuth.serverInterceptor(");
  }

  @Test
  void theScanFindsABuilderInCode() throws IOException {
    Path file = Files.createTempFile("Stray", ".java");
    try {
      Files.writeString(
          file,
          String.join(
              "\n",
              "import io.grpc.ManagedChannelBuilder; // an import is a use too",
              "/** A comment that names ServerBuilder is not. */",
              "class Stray {",
              "  // Grpc.newChannelBuilder(\"h:1\", creds) in a comment is not either",
              "  Object c = io.grpc.Grpc.newChannelBuilder(\"h:1\", null);",
              "}"));
      assertThat(builderUses(file))
          .hasSize(2)
          .anyMatch(u -> u.endsWith(":1 ManagedChannelBuilder"))
          .anyMatch(u -> u.endsWith(":5 newChannelBuilder"));
    } finally {
      Files.delete(file);
    }
  }

  /** Each use of a builder in a file's code, as {@code file:line name}. */
  private static List<String> builderUses(Path file) throws IOException {
    List<String> uses = new ArrayList<>();
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) {
        continue;
      }
      int comment = line.indexOf("//");
      var m = BUILDER.matcher(comment < 0 ? line : line.substring(0, comment));
      while (m.find()) {
        uses.add(file.getFileName() + ":" + (i + 1) + " " + m.group(1));
      }
    }
    return uses;
  }
}
