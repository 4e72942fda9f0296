package com.aurous.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Packages must not import each other in a circle: each top-level package under
 * com.aurous.server (with its subpackages) is one slice. The root classes (AurousNode, Main,
 * DevBootstrap) are the composition root and belong to no slice, so they may import everything.
 */
class PackageCyclesTest {
  static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("com.aurous.server");

  @Test
  void noTwoPackagesDependOnEachOtherInACircle() {
    slices().matching("com.aurous.server.(*)..").should().beFreeOfCycles().check(MAIN);
  }
}
