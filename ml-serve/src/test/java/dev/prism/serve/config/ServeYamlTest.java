package dev.prism.serve.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.serve.Application;
import dev.prism.serve.AutoscalingConfig;
import dev.prism.serve.Deployment;
import dev.prism.serve.DeploymentHandle;
import dev.prism.serve.Echo;
import dev.prism.serve.ProxyLocation;
import dev.prism.serve.ServeConfig;
import dev.prism.serve.internal.AppBuilder;
import dev.prism.serve.internal.AppSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Serve config file: every key read into its option, every kind of bad input refused. */
@Timeout(60)
class ServeYamlTest {

  private static final String ECHO = "dev.prism.serve.Echo";
  private static final String APP = "dev.prism.serve.config.GreeterApp";

  @Test
  void everyKeyOfTheFullExampleBecomesItsOption() throws Exception {
    ServeYaml y = ServeYaml.load(resource("full.yaml"));

    ServeConfig c = y.config();
    assertThat(c.proxyLocation()).isEqualTo(ProxyLocation.EVERY_NODE);
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(8123);
    assertThat(c.maxBodyBytes()).isEqualTo(1 << 20);
    assertThat(c.headerTimeoutMillis()).isEqualTo(5_000);
    assertThat(c.idleTimeoutMillis()).isEqualTo(30_500);

    assertThat(y.applications())
        .extracting(ServeYaml.App::name, ServeYaml.App::routePrefix, ServeYaml.App::importPath)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("echo", "/echo", ECHO),
            org.assertj.core.groups.Tuple.tuple("greeter", "/greet", APP + "::build"),
            org.assertj.core.groups.Tuple.tuple("internal", null, APP + "::plain"));

    // A class: bound with args, its options all from the file.
    Application echo = y.applications().get(0).application();
    assertThat(echo.args()).containsExactly("hi");
    Deployment<?> e = echo.deployment();
    assertThat(e.type()).isEqualTo(Echo.class);
    assertThat(e.numReplicas()).isEqualTo(3);
    assertThat(e.autoscaling()).isNull();
    assertThat(e.maxOngoingRequests()).isEqualTo(8);
    assertThat(e.maxQueuedRequests()).isEqualTo(50);
    assertThat(e.userConfig())
        .containsEntry("suffix", "!")
        .containsEntry("nested", Map.of("a", List.of(1, 2)));
    assertThat(e.resources())
        .isEqualTo(Map.of("CPU", 0.5, "GPU", 1.0, "memory", 1073741824.0, "accel", 2.0));
    assertThat(e.healthCheckPeriod()).isEqualTo(Duration.ofSeconds(2));
    assertThat(e.healthCheckTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(e.gracefulShutdownTimeout()).isEqualTo(Duration.ZERO);
    assertThat(e.requestTimeout()).isEqualTo(Duration.ofSeconds(12));
    assertThat(e.version()).isEqualTo("v2");

    // A builder method given the args mapping; each deployment of its graph overridden by name.
    Application greeter = y.applications().get(1).application();
    assertThat(greeter.deployment().type()).isEqualTo(GreeterApp.Greeter.class);
    assertThat(greeter.deployment().autoscaling())
        .isEqualTo(DeploymentOptions.AUTO)
        .extracting(AutoscalingConfig::maxReplicas)
        .isEqualTo(100);
    assertThat(greeter.deployment().maxQueuedRequests()).isEqualTo(Integer.MAX_VALUE);
    Application inner = (Application) greeter.args().getFirst();
    assertThat(inner.args()).containsExactly("hey");
    Deployment<?> ie = inner.deployment();
    assertThat(ie.autoscaling())
        .isEqualTo(
            new AutoscalingConfig(
                0, 4, 1, 3, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(2500)));
    assertThat(ie.maxOngoingRequests()).as("the code's option stays").isEqualTo(7);

    // A builder without args; route_prefix: null means no HTTP route.
    Application plain = y.applications().get(2).application();
    assertThat(plain.deployment().name()).isEqualTo("Plain");
    assertThat(plain.args()).isEmpty();

    // Each application makes a valid spec for the controller.
    for (ServeYaml.App a : y.applications()) {
      AppSpec spec = AppBuilder.build(a.application(), a.name(), a.routePrefix());
      assertThat(spec.name()).isEqualTo(a.name());
    }
  }

  @Test
  void defaultsWhereTheFileSaysLittle() {
    ServeYaml y = ServeYaml.parse("applications:\n  - import_path: " + ECHO + "\n");
    assertThat(y.config()).isEqualTo(ServeConfig.defaults());
    ServeYaml.App a = y.applications().getFirst();
    assertThat(a.name()).isEqualTo("default");
    assertThat(a.routePrefix()).isEqualTo("/");
    Deployment<?> d = a.application().deployment();
    Deployment<Echo> plain = Deployment.builder(Echo.class).build();
    assertThat(d.numReplicas()).isEqualTo(plain.numReplicas());
    assertThat(d.resources()).isEqualTo(plain.resources());
    assertThat(d.maxOngoingRequests()).isEqualTo(plain.maxOngoingRequests());
    assertThat(a.application().args()).isEmpty();
  }

  @Test
  void proxyLocationInRayOrJavaSpelling() {
    for (String[] v :
        new String[][] {
          {"HeadOnly", "HEAD_ONLY"}, {"EVERY_NODE", "EVERY_NODE"}, {"disabled", "DISABLED"}
        }) {
      ServeYaml y =
          ServeYaml.parse(
              "proxy_location: " + v[0] + "\napplications: [{import_path: " + ECHO + "}]");
      assertThat(y.config().proxyLocation()).isEqualTo(ProxyLocation.valueOf(v[1]));
    }
  }

  @Test
  void builderMethodsTakeArgsOrNone() {
    // Overloaded: no args -> plain(); args -> plain(Map).
    assertThat(app("import_path: " + APP + "::plain").args()).isEmpty();
    assertThat(app("import_path: " + APP + "::plain\n    args: {greeting: yo}").args())
        .containsExactly("yo");
    // Only a Map overload: called with an empty map when args are left out.
    Application built = app("import_path: " + APP + "::build");
    assertThat(((Application) built.args().getFirst()).args()).containsExactly("hello");
  }

  @Test
  void overridesFollowDeploymentNamesAndKeepTheGraphsSharing() {
    // Only the named deployment changes; the ingress keeps every option of the code.
    Application a =
        app(
            "import_path: "
                + APP
                + "::build\n    deployments:\n      - name: Echo\n        num_replicas: 5");
    Application echo = (Application) a.args().getFirst();
    assertThat(echo.deployment().numReplicas()).isEqualTo(5);
    assertThat(echo.deployment().maxOngoingRequests()).isEqualTo(7);
    assertThat(a.deployment().numReplicas()).isEqualTo(1);

    // One application passed twice stays one (else it would be two deployments named Echo).
    Application pair =
        app(
            "import_path: "
                + APP
                + "::shared\n    deployments:\n      - {name: Echo, num_replicas: 2}");
    assertThat(pair.args().get(0)).isSameAs(pair.args().get(1));
    assertThat(((Application) pair.args().get(0)).deployment().numReplicas()).isEqualTo(2);
    AppSpec spec = AppBuilder.build(pair, "pair", "/");
    assertThat(spec.deployments()).hasSize(2);

    // Autoscaling keys left out keep the code's values; num_replicas turns autoscaling off.
    Application scaled =
        app(
            "import_path: "
                + ECHO
                + "\n    deployments:\n      - name: Echo\n        autoscaling_config:"
                + " {max_replicas: 3}");
    assertThat(scaled.deployment().autoscaling())
        .isEqualTo(AutoscalingConfig.builder().maxReplicas(3).build());
  }

  @Test
  void aHandleArgumentStaysAHandle() {
    // Not from a file, but the graph rewrite must pass such arguments through untouched.
    DeploymentHandle<Echo> h = new DeploymentHandle<>("other", "Echo");
    Application a = Deployment.builder(GreeterApp.Greeter.class).build().bind(h);
    DeploymentOptions o =
        DeploymentOptions.parse(
            "d", ServeYaml.MAPPER.valueToTree(Map.of("name", "Greeter", "num_replicas", 2)));
    Application out = AppGraph.apply(a, Map.of("Greeter", o));
    assertThat(out.args()).containsExactly(h);
    assertThat(out.deployment().numReplicas()).isEqualTo(2);
  }

  static Stream<Arguments> badInputs() {
    String one = "applications:\n  - import_path: " + ECHO + "\n";
    String echoWith = one + "    deployments:\n      - name: Echo\n        ";
    return Stream.of(
        bad(
            "aplications: []",
            "aplications: unknown key 'aplications' (did you mean 'applications'?)"),
        bad(
            one
                + "    deployments:\n      - name: Echo\n      - name: Echo2\n        num_replica: 1",
            "applications[0].deployments[1].num_replica: unknown key 'num_replica' (did you mean"
                + " 'num_replicas'?)"),
        bad(
            one
                + "    deployments:\n      - name: Echo\n      - name: Other\n        num_replicas: -1",
            "applications[0].deployments[1].num_replicas: -1 is not >= 0"),
        bad(echoWith + "num_replicas: two", "num_replicas: 'two' is not a whole number or 'auto'"),
        bad(echoWith + "num_replicas: 1.5", "num_replicas: 1.5 is not a whole number"),
        bad(
            echoWith + "max_ongoing_requests: 0",
            "applications[0].deployments[0].max_ongoing_requests: 0 is not within 1..10000"),
        bad(echoWith + "max_queued_requests: -2", "max_queued_requests: -2 is not >= 0"),
        bad(
            echoWith + "num_replicas: 2\n        autoscaling_config: {max_replicas: 2}",
            "applications[0].deployments[0]: give num_replicas or autoscaling_config, not both"),
        bad(
            echoWith + "autoscaling_config: {min_replicas: 3, max_replicas: 1}",
            "applications[0].deployments[0].autoscaling_config: max_replicas 1 is less than"
                + " min_replicas 3"),
        bad(
            echoWith + "autoscaling_config: {max_replicas: 2, initial_replicas: 5}",
            "autoscaling_config.initial_replicas: 5 is not within min_replicas..max_replicas (1..2)"),
        bad(
            echoWith + "autoscaling_config: {target_ongoing_requests: 0}",
            "autoscaling_config.target_ongoing_requests: 0 is not > 0"),
        bad(
            echoWith + "autoscaling_config: {upscale_delay: 1}",
            "autoscaling_config.upscale_delay: unknown key 'upscale_delay' (did you mean"
                + " 'upscale_delay_s'?)"),
        bad(
            echoWith + "health_check_period_s: 10s",
            "health_check_period_s: '10s' is not a number"),
        bad(echoWith + "health_check_timeout_s: 0", "health_check_timeout_s: 0 is not > 0"),
        bad(echoWith + "request_timeout_s: -1", "request_timeout_s: -1 is not >= 0"),
        bad(echoWith + "user_config: 3", "user_config: expected a mapping"),
        bad(echoWith + "user_config: {a: null}", "user_config.a: is null"),
        bad(echoWith + "version: [1]", "version: a list is not a string"),
        bad(
            echoWith + "ray_actor_options: {runtime_env: {}}",
            "ray_actor_options.runtime_env: Ray Serve's runtime_env is not supported by Prism"
                + " Serve; put the classes on the cluster's class path"),
        bad(
            echoWith + "ray_actor_options: {resources: {CPU: 2}}",
            "ray_actor_options.resources.CPU: give CPU as num_cpus in ray_actor_options"),
        bad(echoWith + "ray_actor_options: {num_gpus: -1}", "num_gpus: -1 is not >= 0"),
        bad(
            one + "    deployments:\n      - name: Nope",
            "applications[0].deployments[0].name: the application has no deployment named 'Nope';"
                + " its deployments are: Echo"),
        bad(
            one + "    deployments:\n      - name: Echo\n      - name: Echo",
            "applications[0].deployments[1].name: 'Echo' is given twice"),
        bad(one + "    deployments:\n      - num_replicas: 1", "deployments[0].name: missing"),
        bad(
            "http_options: {port: 70000}\n" + one,
            "http_options.port: 70000 is not within 0..65535"),
        bad(
            "http_options: {max_body_bytes: 0}\n" + one,
            "http_options.max_body_bytes: 0 is not >= 1"),
        bad(
            "http_options: {request_timeout_s: 5}\n" + one,
            "http_options.request_timeout_s: Ray Serve's request_timeout_s is not supported by"
                + " Prism Serve; give request_timeout_s on the deployments"),
        bad("http_options: 8000\n" + one, "http_options: expected a mapping"),
        bad("proxy_location: Nowhere\n" + one, "proxy_location: 'Nowhere' is not HeadOnly"),
        bad("applications: echo", "applications: expected a list"),
        bad("applications: []", "applications: is empty"),
        bad("proxy_location: HeadOnly", "applications: missing"),
        bad("applications:\n  - name: x", "applications[0].import_path: missing"),
        bad("applications:\n  - 3", "applications[0]: expected a mapping"),
        bad(
            "applications:\n  - {import_path: " + ECHO + "}\n  - {import_path: " + ECHO + "}",
            "applications[0].name: missing: with several applications, each needs a name"),
        bad(
            "applications:\n  - {name: a, import_path: "
                + ECHO
                + "}\n  - {name: a, route_prefix: /b, import_path: "
                + ECHO
                + "}",
            "applications[1].name: 'a' is the name of another application, applications[0].name"),
        bad(
            "applications:\n  - {name: a, import_path: "
                + ECHO
                + "}\n  - {name: b, import_path: "
                + ECHO
                + "}",
            "applications[1].route_prefix: '/' is the route prefix of another application"),
        bad(
            one + "    route_prefix: echo",
            "applications[0].route_prefix: 'echo' must start with '/'"),
        bad(one + "    name: a b", "applications[0].name: 'a b' is not 1-100 letters"),
        bad(
            one + "    runtime_env: {pip: [x]}",
            "applications[0].runtime_env: Ray Serve's runtime_env is not supported"),
        bad(
            "applications:\n  - import_path: com.example.Missing",
            "applications[0].import_path: class com.example.Missing is not on the class path"),
        bad(
            "applications:\n  - import_path: 'com.example.Model:app'",
            "applications[0].import_path: 'com.example.Model:app' is not a class"),
        bad(
            "applications:\n  - import_path: java.lang.Runnable",
            "applications[0].import_path: java.lang.Runnable cannot be a deployment"),
        bad(
            one + "    args: {greeting: hi}",
            "applications[0].args: expected a list of constructor arguments for the class"),
        bad(
            one + "    args: [a, b, c]",
            "applications[0].args: dev.prism.serve.Echo has no public constructor taking 3"
                + " arguments (its public constructors take 0 or 1)"),
        bad(
            "applications:\n  - import_path: " + APP + "::build\n    args: [1]",
            "applications[0].args: expected a mapping of args for the builder method"),
        bad(
            "applications:\n  - import_path: " + APP + "::nothing",
            "applications[0].import_path: " + APP + " has no public static method nothing"),
        bad(
            "applications:\n  - import_path: " + APP + "::notAnApp",
            "::notAnApp returns java.util.List, not dev.prism.serve.Application"),
        bad(
            "applications:\n  - import_path: " + APP + "::fails",
            "applications[0].import_path: "
                + APP
                + "::fails failed: java.lang.IllegalStateException: cannot build"),
        bad("applications: [", "not valid YAML: line"),
        bad("applications: []\napplications: []", "not valid YAML: line 2"),
        bad("", "the file is empty"),
        bad("- a\n- b", "expected a mapping"));
  }

  private static Arguments bad(String yaml, String message) {
    return Arguments.of(yaml, message);
  }

  @ParameterizedTest
  @MethodSource("badInputs")
  void badInputIsRefusedNamingTheKeyPath(String yaml, String message) {
    assertThatThrownBy(() -> ServeYaml.parse(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aFilesMessagesStartWithItsName(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("app.yaml");
    Files.writeString(f, "applications:\n  - import_path: " + ECHO + "\n    args: 3\n");
    assertThatThrownBy(() -> ServeYaml.load(f))
        .hasMessageStartingWith(f + ": applications[0].args: expected a list");
  }

  @Test
  void theDocumentedExampleIsValid() throws Exception {
    // Its import paths are placeholders (com.example...): every key and value is checked.
    ServeYaml.checkShape(Files.readString(Path.of("examples", "serve.yaml")));
  }

  private static Application app(String entry) {
    return ServeYaml.parse("applications:\n  - " + entry + "\n")
        .applications()
        .getFirst()
        .application();
  }

  private static Path resource(String name) throws Exception {
    return Path.of(ServeYamlTest.class.getResource("/serve/" + name).toURI());
  }
}
