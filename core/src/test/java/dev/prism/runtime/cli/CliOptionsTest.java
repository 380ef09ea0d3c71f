package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Option parsing and validation of {@code prism start/status/stop}, and their error exits. */
@Timeout(60)
class CliOptionsTest {

  @TempDir Path root;

  @Test
  void headDefaults() {
    StartOptions o = StartOptions.parse(List.of("--head"));
    assertThat(o.head()).isTrue();
    assertThat(o.address()).isEmpty();
    assertThat(o.port()).isEqualTo(StartOptions.DEFAULT_PORT);
    assertThat(o.host()).isEmpty();
    assertThat(o.numCpus()).isEmpty();
    assertThat(o.numGpus()).isEmpty();
    assertThat(o.resources()).isEmpty();
    assertThat(o.objectStoreMemory()).isEmpty();
    assertThat(o.timeout()).isEqualTo(StartOptions.DEFAULT_TIMEOUT);
  }

  @Test
  void everyStartOptionInBothForms() {
    StartOptions o =
        StartOptions.parse(
            List.of(
                "--head",
                "--port=0",
                "--num-cpus",
                "4",
                "--num-gpus=2",
                "--resources",
                "{\"accelerator\": 1, \"disk\" : 2.5e0}",
                "--object-store-memory",
                "2g",
                "--node-ip",
                "10.1.2.3",
                "--node-manager-port",
                "7000",
                "--code-search-path",
                "/opt/app.jar",
                "--temp-dir",
                root.toString(),
                "--timeout",
                "9"));
    assertThat(o.port()).isZero();
    assertThat(o.numCpus()).contains(4);
    assertThat(o.numGpus()).contains(2);
    assertThat(o.resources()).isEqualTo(Map.of("accelerator", 1.0, "disk", 2.5));
    assertThat(o.objectStoreMemory()).contains(2L << 30);
    assertThat(o.host()).contains("10.1.2.3");
    assertThat(o.nodeManagerPort()).isEqualTo(7000);
    assertThat(o.codeSearchPath()).contains("/opt/app.jar");
    assertThat(o.tempDir()).contains(root);
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(9));
  }

  @Test
  void theNodeProcessGetsTheSameOptionsBack() {
    StartOptions o =
        StartOptions.parse(
            List.of(
                "--address",
                "10.0.0.1:6379",
                "--num-cpus=3",
                "--resources",
                "{\"a \\\"b\\\"\": 1.5}",
                "--object-store-memory",
                "64m",
                "--worker-heap",
                "96m",
                "--labels",
                "zone=a, region = us-west",
                "--memory",
                "1g"));
    assertThat(o.workerHeap()).contains(96L << 20);
    assertThat(o.labels()).isEqualTo(Map.of("zone", "a", "region", "us-west"));
    StartOptions back = StartOptions.parseForNode(o.toArgs("abcd", root));
    assertThat(back.head()).isFalse();
    assertThat(back.address()).contains("10.0.0.1:6379");
    assertThat(back.numCpus()).contains(3);
    assertThat(back.resources()).isEqualTo(Map.of("a \"b\"", 1.5, "memory", (double) (1L << 30)));
    assertThat(back.labels()).isEqualTo(Map.of("zone", "a", "region", "us-west"));
    assertThat(back.objectStoreMemory()).contains(64L << 20);
    assertThat(back.workerHeap()).contains(96L << 20);
    assertThat(back.nodeId()).contains("abcd");
    assertThat(back.sessionDir()).contains(root);
  }

  @Test
  void resourcesJsonIsCheckedWithAClearMessage() {
    for (String bad :
        List.of(
            "{",
            "[1]",
            "{\"a\": }",
            "{\"a\": 1,}",
            "{a: 1}",
            "{\"a\": -1}",
            "{\"a\": \"1\"}",
            "{\"a\": 1} x",
            "{\"a\": 1, \"a\": 2}",
            "")) {
      assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--resources", bad)))
          .as(bad)
          .isInstanceOf(CliException.class)
          .hasMessageContaining("is not a JSON object of resource amounts")
          .hasMessageContaining("e.g. --resources")
          .extracting(e -> ((CliException) e).exitCode())
          .isEqualTo(CliException.USAGE);
    }
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--resources", "{\"CPU\": 4}")))
        .hasMessageContaining("--num-cpus");
    assertThat(ResourcesJson.parse(" { } ")).isEmpty();
  }

  @Test
  void badStartCommandLinesAreUsageErrors() {
    Map<List<String>, String> cases =
        Map.of(
            List.of(), "give --head to start a cluster here, or --address HOST:PORT",
            List.of("--head", "--address", "1.2.3.4:5"), "either --head or --address",
            List.of("--head", "--bogus"), "unknown option '--bogus'",
            List.of("--address"), "--address needs a value",
            List.of("--address", "--num-cpus", "2"), "--address needs a value",
            List.of("--address", "nohost"), "is not HOST:PORT",
            List.of("--head", "--port", "70000"), "'70000' is not a whole number from 0 to 65535",
            List.of("--head", "--num-cpus", "two"), "'two' is not a whole number",
            List.of("--address", "h:1", "--port", "5"), "takes --node-manager-port instead",
            List.of("--head", "--object-store-memory", "12x"), "is not a size");
    cases.forEach(
        (args, message) ->
            assertThatThrownBy(() -> StartOptions.parse(args))
                .as(args.toString())
                .isInstanceOf(CliException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((CliException) e).exitCode())
                .isEqualTo(CliException.USAGE));
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--host", "0.0.0.0")))
        .hasMessageContaining("wildcard");
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head", "--session-dir", "/x")))
        .hasMessageContaining("unknown option '--session-dir'");
    assertThatThrownBy(() -> StartOptions.parse(List.of("--head=yes")))
        .hasMessageContaining("--head takes no value");
  }

  @Test
  void unknownCommandsAndOptionsExitWithTwo() {
    Result r = cli("frobnicate");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("unknown command 'frobnicate'");
    assertThat(cli().code).isEqualTo(2);
    r = cli("status", "--bogus");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("prism status: unknown option '--bogus'");
    r = cli("stop", "--grace");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("--grace needs a value");
    r = cli("start", "--head", "--resources", "{oops}");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err).contains("--resources '{oops}' is not a JSON object");
    assertThat(cli("help").out).contains("start").contains("status").contains("stop");
    assertThat(cli("start", "--help").out).contains("--num-cpus").contains("--resources");
  }

  @Test
  void statusWithoutAClusterSaysHowToStartOne() throws Exception {
    Result r = cli("status", "--temp-dir", root.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err).contains("no Prism cluster to show").contains("prism start --head");
    int port = freePort();
    r = cli("status", "--address", "127.0.0.1:" + port);
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err).contains("no Prism cluster answers at 127.0.0.1:" + port);
    assertThat(Cli.resolveAddress(Map.of("PRISM_ADDRESS", "10.0.0.9:1234"), root))
        .isEqualTo("10.0.0.9:1234");
  }

  @Test
  void startReadsTheTokenFromTheEnvironmentItIsGiven() {
    Result r =
        cli(
            Map.of("PRISM_CLUSTER_TOKEN", "short"),
            "start",
            "--head",
            "--port",
            "0",
            "--temp-dir",
            root.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err)
        .contains("the cluster token from the environment variable PRISM_CLUSTER_TOKEN")
        .contains("has 5 characters");
  }

  @Test
  void startFailsClearlyWhenThePortIsTakenOrNoHeadRuns() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Result r =
          cli(
              "start",
              "--head",
              "--port",
              Integer.toString(taken.getLocalPort()),
              "--temp-dir",
              root.toString());
      assertThat(r.code).isEqualTo(1);
      assertThat(r.err)
          .contains("port " + taken.getLocalPort() + " on 127.0.0.1 is in use")
          .contains("--port");
    }
    int port = freePort();
    Result r = cli("start", "--address", "127.0.0.1:" + port, "--temp-dir", root.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err)
        .contains("no Prism head answers at 127.0.0.1:" + port)
        .contains("prism start --head");
    assertThat(SessionDir.all(root)).as("no session is made for a start that failed").isEmpty();
  }

  @Test
  void stopWithNothingRunningIsFine() {
    Result r = cli("stop", "--temp-dir", root.toString());
    assertThat(r.code).isZero();
    assertThat(r.out).contains("No Prism processes to stop");
  }

  @Test
  void sessionsKeepRecordsAndALatestPointer() {
    SessionDir first = SessionDir.create(root, null);
    SessionDir second = SessionDir.create(root, "127.0.0.1:1");
    assertThat(SessionDir.latest(root)).contains(second);
    assertThat(SessionDir.all(root)).containsExactlyInAnyOrder(first, second);
    assertThat(second.gcsAddress()).contains("127.0.0.1:1");
    assertThat(first.gcsAddress()).isEmpty();
    NodeRecord r = NodeRecord.starting(false, "0123456789abcdef", 42);
    second.write(r);
    second.write(NodeRecord.starting(true, "fedcba9876543210", 43));
    assertThat(second.records())
        .extracting(NodeRecord::name)
        .containsExactly("head-fedcba98", "node-01234567");
    assertThat(second.record("node-01234567")).contains(r);
    assertThat(NodeRecord.starting(false, "ab", ProcessHandle.current().pid()).liveProcess())
        .isPresent();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    return cli(Map.of(), args);
  }

  private static Result cli(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            List.of(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void tlsOptionsAreAllThreeFilesOrNoneAndAJoiningNodeCannotGenerateThem(@TempDir Path dir)
      throws Exception {
    StartOptions some =
        StartOptions.parse(List.of("--head", "--tls-cert", dir.resolve("c.pem").toString()));
    assertThatThrownBy(() -> some.tls().resolve(Map.of(), java.util.Optional.of(dir)))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("TLS needs all of --tls-cert, --tls-key and --tls-ca");
    StartOptions join = StartOptions.parse(List.of("--address", "10.0.0.5:6379", "--tls"));
    assertThat(join.tls().on()).isTrue();
    assertThatThrownBy(() -> join.tls().resolve(Map.of(), java.util.Optional.empty()))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("--tls on a joining node needs the cluster's TLS files")
        .hasMessageContaining("--tls-cert, --tls-key and --tls-ca");
    StartOptions missing =
        StartOptions.parse(
            List.of(
                "--head",
                "--tls-cert",
                dir.resolve("c.pem").toString(),
                "--tls-key",
                dir.resolve("k.pem").toString(),
                "--tls-ca",
                dir.resolve("a.pem").toString()));
    assertThatThrownBy(() -> missing.tls().resolve(Map.of(), java.util.Optional.of(dir)))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("the TLS certificate file " + dir.resolve("c.pem"))
        .hasMessageContaining("does not exist");
    assertThat(
            StartOptions.parse(List.of("--head"))
                .tls()
                .resolve(Map.of(), java.util.Optional.of(dir)))
        .as("no option, no variable: plain text")
        .isEmpty();
  }
}
