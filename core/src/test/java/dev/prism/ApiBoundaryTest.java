package dev.prism;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The public API ({@code dev.prism} and {@code dev.prism.function}) reaches the runtime only
 * through its boundary, {@code dev.prism.runtime.spi}: no other runtime class, and no gRPC or
 * protobuf type, appears in the API's compiled classes.
 */
class ApiBoundaryTest {

  /** The API's rule: no runtime class outside the boundary, no wire library. */
  private static final ArchRule API_USES_ONLY_THE_BOUNDARY =
      noClasses()
          .that()
          .resideInAnyPackage("dev.prism", "dev.prism.function..", "dev.prism.metrics..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.prism.runtime..")
                  .and(not(resideInAPackage("dev.prism.runtime.spi.."))))
          .orShould()
          .dependOnClassesThat(resideInAnyPackage("io.grpc..", "com.google.protobuf.."))
          .because("the API talks to the runtime only through dev.prism.runtime.spi (issue #14)");

  private static JavaClasses api;

  @BeforeAll
  static void importApi() {
    api =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.prism");
  }

  @Test
  void theApiDependsOnNoRuntimeClassButTheBoundary() {
    assertThat(api.containPackage("dev.prism")).isTrue();
    assertThat(api.containPackage("dev.prism.function")).isTrue();
    API_USES_ONLY_THE_BOUNDARY.check(api);
  }

  @Test
  void theRuleCatchesAClassOfTheApiPackageThatUsesTheRuntime() {
    // this test class's package is dev.prism, and PrismInitTest uses GcsServer: the rule must
    // refuse it, or it would pass whatever the API imported
    JavaClasses withTests = new ClassFileImporter().importClasses(PrismInitTest.class, Prism.class);
    assertThatThrownBy(() -> API_USES_ONLY_THE_BOUNDARY.check(withTests))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("PrismInitTest")
        .hasMessageContaining("dev.prism.runtime.gcs.GcsServer");
  }
}
