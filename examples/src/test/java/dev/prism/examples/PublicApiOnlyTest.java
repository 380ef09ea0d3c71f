package dev.prism.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The examples show what users write, so they use Prism's public API only: no class of theirs
 * depends on the runtime's internals ({@code dev.prism.runtime..}); a second node comes from {@link
 * dev.prism.LocalCluster}, not from the runtime's node manager.
 */
class PublicApiOnlyTest {

  @Test
  void examplesDependOnNoRuntimeClass() {
    JavaClasses examples =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.prism.examples");
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("dev.prism.examples..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.prism.runtime..")
            .because(
                "examples show what users write: the public API (dev.prism, LocalCluster for"
                    + " several nodes), never the runtime's internals");
    rule.check(examples);
  }
}
