package dev.prism.serve;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** ml-serve stands on the core's public API only, as every library must. */
class PublicApiOnlyTest {

  @Test
  void theLibraryDependsOnNoRuntimeClass() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.prism.serve");
    noClasses()
        .that()
        .resideInAnyPackage("dev.prism.serve..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.prism.runtime..")
        .because("libraries use only the public API of core (dev.prism)")
        .check(classes);
  }
}
