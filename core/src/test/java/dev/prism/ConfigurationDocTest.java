package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md names every environment variable and system property Prism reads: the
 * sources of every module are scanned for {@code PRISM_*} names and for {@code prism.*} properties
 * that are read, and each must appear in the document.
 */
class ConfigurationDocTest {

  /** The repository root (tests run in the core module's directory). */
  private static final Path ROOT = Path.of("..");

  private static final Pattern ENV = Pattern.compile("\"(PRISM_[A-Z_]+)\"");

  private static final Pattern PROPERTY = Pattern.compile("\"(prism\\.[a-zA-Z][a-zA-Z.]*)\"");

  /** What reads a property on a line: the JDK's readers, or a helper's. */
  private static final Pattern READ =
      Pattern.compile("getProperty\\(|getInteger\\(|getLong\\(|getBoolean\\(|number\\(p,");

  @Test
  void everyVariableAndPropertyReadIsDocumented() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/CONFIGURATION.md"));
    Set<String> names = new TreeSet<>();
    for (String module :
        List.of("core", "arrow-store", "gpu-scheduler", "ml-train", "ml-tune", "ml-serve")) {
      names.addAll(readIn(ROOT.resolve(module).resolve("src/main/java")));
    }
    assertThat(names)
        .as("the scan finds names of every kind")
        .contains("PRISM_ADDRESS", "PRISM_WORKER_ID", "prism.objectChunkBytes", "prism.jvm.flags");
    assertThat(names.stream().filter(n -> !doc.contains("`" + n + "`")).toList())
        .as("names read by Prism but missing from docs/CONFIGURATION.md")
        .isEmpty();
  }

  @Test
  void theScanSkipsPropertiesThatAreNotRead() {
    assertThat(names(List.of("String k = \"prism.kind\";", "x = Long.getLong(\"prism.a.b\", 1);")))
        .containsExactly("prism.a.b");
  }

  private static Set<String> readIn(Path sources) throws IOException {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        names.addAll(names(Files.readAllLines(f)));
      }
    }
    return names;
  }

  private static Set<String> names(List<String> lines) {
    Set<String> names = new TreeSet<>();
    for (String line : lines) {
      Matcher env = ENV.matcher(line);
      while (env.find()) {
        names.add(env.group(1));
      }
      if (READ.matcher(line).find()) {
        Matcher property = PROPERTY.matcher(line);
        while (property.find()) {
          names.add(property.group(1));
        }
      }
    }
    return names;
  }
}
