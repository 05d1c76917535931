package dev.peon.orc;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;

/** The package table of STYLE.md and ARCHITECTURE.md, checked on the production classes. */
@AnalyzeClasses(packages = "dev.peon.orc", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String OURS = "dev.peon.orc..";

  @ArchTest
  static final ArchRule featurePackagesAreFreeOfCycles =
      slices()
          .matching("dev.peon.orc.(*)..")
          .should()
          .beFreeOfCycles()
          .because("features depend downwards only; a cycle means two features are really one");

  @ArchTest
  static final ArchRule dockerJavaOnlyInTheDockerAdapter =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.peon.orc.runtime.docker..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.github.dockerjava..")
          .because("ContainerRuntime speaks our records; docker-java stays behind the adapter");

  @ArchTest
  static final ArchRule javalinOnlyInHttpAppAndRoutes =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.peon.orc.http..", "dev.peon.orc.app..")
          .and()
          .haveSimpleNameNotEndingWith("Routes")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.javalin..")
          .because("services must not know about HTTP; each feature's *Routes maps it");

  @ArchTest
  static final ArchRule nothingDependsOnTheCompositionRoot =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.peon.orc.app..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.peon.orc.app..")
          .because("app builds everything; nothing may reach back into it");

  @ArchTest
  static final ArchRule runtimePortDependsOnlyOnTheJdk =
      classes()
          .that()
          .resideInAPackage("dev.peon.orc.runtime")
          .should()
          .onlyDependOnClassesThat(resideInAnyPackage("java..", "dev.peon.orc.runtime"))
          .because("the container-runtime port is in our own words, free of any engine's types");

  @ArchTest
  static final ArchRule configDependsOnNothingOfOurs =
      classes()
          .that()
          .resideInAPackage("dev.peon.orc.config..")
          .should()
          .onlyDependOnClassesThat(
              resideInAPackage("dev.peon.orc.config..").or(resideOutsideOfPackage(OURS)))
          .because("config is the bottom of the package table");

  @ArchTest
  static final ArchRule storeDependsOnlyOnConfig =
      classes()
          .that()
          .resideInAPackage("dev.peon.orc.store..")
          .should()
          .onlyDependOnClassesThat(
              resideInAnyPackage("dev.peon.orc.store..", "dev.peon.orc.config..")
                  .or(resideOutsideOfPackage(OURS)))
          .because("the store is infrastructure that features build on, not the other way round");

  @ArchTest
  static final ArchRule jgitOnlyInPlan =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.peon.orc.plan..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.eclipse.jgit..")
          .because("only the plan sync fetches from git");

  @ArchTest
  static final ArchRule jdbcOnlyThroughJavaSql =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.sqlite..")
          .because("SQLite is reached through java.sql only; the driver is a runtime detail");

  @ArchTest
  static final ArchRule noVagueClassNames =
      noClasses()
          .should()
          .haveSimpleNameEndingWith("Manager")
          .orShould()
          .haveSimpleNameEndingWith("Helper")
          .orShould()
          .haveSimpleNameEndingWith("Util")
          .orShould()
          .haveSimpleNameEndingWith("Impl")
          .because("names explain themselves: nouns for roles, not Manager/Helper/Util/Impl");

  @ArchTest
  static final ArchRule noJavaUtilLoggingFields =
      noFields()
          .should()
          .haveRawType(resideInAPackage("java.util.logging.."))
          .because("we log through SLF4J");

  @ArchTest
  static final ArchRule noJavaUtilLogging =
      GeneralCodingRules.NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING;

  @ArchTest
  static final ArchRule standardStreamsOnlyInAppAndCli =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.peon.orc.app..", "dev.peon.orc.cli..")
          .should(GeneralCodingRules.ACCESS_STANDARD_STREAMS)
          .because("the daemon logs through SLF4J; only the CLI faces print to the terminal");

  @ArchTest
  static final ArchRule cliTalksToTheDaemonOnlyOverHttp =
      classes()
          .that()
          .resideInAPackage("dev.peon.orc.cli..")
          .should()
          .onlyDependOnClassesThat(
              resideInAnyPackage("dev.peon.orc.cli..", "dev.peon.orc.config..")
                  .or(resideOutsideOfPackage(OURS)))
          .because("the CLI is a client of /api/v2, never of the services in-process");
}
