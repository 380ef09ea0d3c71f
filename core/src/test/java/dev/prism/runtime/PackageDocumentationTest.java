package dev.prism.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every package of every module's main sources says what it is for: a {@code package-info.java}
 * with a Javadoc comment before the package declaration. Scans the whole reactor (the parent of
 * this module's directory), so a package added to any module without one fails here.
 */
class PackageDocumentationTest {

  private static final Path REACTOR = Path.of("..").toAbsolutePath().normalize();

  @Test
  void everyMainPackageOfEveryModuleHasADocumentedPackageInfo() throws IOException {
    assertThat(REACTOR.resolve("pom.xml")).as("the reactor's pom (tests run in core/)").exists();
    List<Path> sourceRoots = new ArrayList<>();
    try (Stream<Path> modules = Files.list(REACTOR)) {
      for (Path module : modules.filter(Files::isDirectory).sorted().toList()) {
        Path root = module.resolve("src/main/java");
        if (Files.isRegularFile(module.resolve("pom.xml")) && Files.isDirectory(root)) {
          sourceRoots.add(root);
        }
      }
    }
    assertThat(sourceRoots)
        .as("module source roots")
        .contains(REACTOR.resolve("core/src/main/java"));

    List<String> undocumented = new ArrayList<>();
    int packages = 0;
    for (Path root : sourceRoots) {
      List<Path> dirs;
      try (Stream<Path> walk = Files.walk(root)) {
        dirs = walk.filter(Files::isDirectory).toList();
      }
      for (Path dir : dirs) {
        if (!containsJavaTypes(dir)) {
          continue;
        }
        packages++;
        Path info = dir.resolve("package-info.java");
        String where = REACTOR.relativize(dir).toString();
        if (!Files.isRegularFile(info)) {
          undocumented.add(where + " (no package-info.java)");
        } else if (!hasJavadocBeforePackage(Files.readString(info))) {
          undocumented.add(where + " (package-info.java has no Javadoc before 'package')");
        }
      }
    }
    assertThat(packages).as("packages found").isGreaterThan(20);
    assertThat(undocumented).as("packages without a documented package-info.java").isEmpty();
  }

  private static boolean containsJavaTypes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(
          f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java"));
    }
  }

  private static boolean hasJavadocBeforePackage(String source) {
    int javadoc = source.indexOf("/**");
    int pkg = source.indexOf("\npackage ");
    return javadoc >= 0 && pkg > javadoc && source.indexOf("*/", javadoc) < pkg;
  }
}
