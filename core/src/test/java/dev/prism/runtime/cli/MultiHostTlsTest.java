package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.cli.HostProcesses.Out;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TLS between hosts ({@link NetnsHosts}): a head started with {@code prism start --head --tls}
 * generates a certificate for the cluster; a node on a second host joins with copies of the token
 * and the certificate files ({@code --tls-cert/--tls-key/--tls-ca}), and a driver there (with
 * {@code PRISM_TLS_*}) runs tasks on both hosts, moves objects both ways and calls an actor on the
 * head's host, all over TLS. A node without TLS, a node whose certificate another authority signed,
 * and a driver without TLS are each refused with an error that says what is wrong.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostTlsTest {

  private static final Duration STEP = Duration.ofSeconds(150);

  private static HostProcesses p;
  private static String headAddress;
  private static Path headSession;

  @BeforeAll
  static void startTlsHead() throws Exception {
    Assumptions.assumeTrue(
        NetnsHosts.unavailable().isEmpty(),
        () -> "skipped: " + NetnsHosts.unavailable().orElse(""));
    p = HostProcesses.create(3, STEP);
    Out head =
        p.startHead(
            "--tls",
            "--num-cpus",
            "2",
            "--resources",
            "{\"host1\": 100}",
            "--object-store-memory",
            "256m");
    headAddress = p.headAddress();
    headSession = p.headSession();
    assertThat(head.text()).contains("TLS: on").contains(TlsConfig.CERT_FILE);
    // The dashboard and metrics endpoint speak HTTPS with the cluster's certificate too.
    assertThat(HostProcesses.lineStarting(head.text(), "Dashboard: ")).contains("https://");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(headSession.resolve(TlsConfig.KEY_FILE))))
        .as("the generated key's permissions")
        .isEqualTo("rw-------");
    // As a user would: copy the token and the three TLS files to the other hosts.
    p.copyToOtherHosts(
        ClusterToken.FILE_NAME, TlsConfig.CERT_FILE, TlsConfig.KEY_FILE, TlsConfig.CA_FILE);
  }

  @AfterAll
  static void stop() throws Exception {
    if (p != null) {
      p.close();
    }
  }

  /** The token and TLS options of a node on host {@code h} with the copied files. */
  private static List<String> copied(NetnsHosts.Host h) {
    Path d = p.dirOf(h);
    return List.of(
        "--token-file",
        d.resolve(ClusterToken.FILE_NAME).toString(),
        "--tls-cert",
        d.resolve(TlsConfig.CERT_FILE).toString(),
        "--tls-key",
        d.resolve(TlsConfig.KEY_FILE).toString(),
        "--tls-ca",
        d.resolve(TlsConfig.CA_FILE).toString());
  }

  private static String[] join(List<String> extra, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(extra);
    return all.toArray(String[]::new);
  }

  @Test
  @Order(1)
  void aNodeWithTheCopiedFilesJoinsAndADriverThereWorksAcrossHostsOverTls() throws Exception {
    NetnsHosts.Host two = p.host(2);
    Out joined =
        p.cli(
            two,
            join(
                copied(two),
                "start",
                "--address",
                headAddress,
                "--num-cpus",
                "2",
                "--resources",
                "{\"host2\": 100}",
                "--object-store-memory",
                "256m"));
    assertThat(joined.code()).as(joined.text()).isZero();
    Map<String, String> env = new HashMap<>();
    env.put("PRISM_CLUSTER_TOKEN_FILE", p.dirOf(two).resolve(ClusterToken.FILE_NAME).toString());
    env.put(TlsConfig.ENV_CERT, p.dirOf(two).resolve(TlsConfig.CERT_FILE).toString());
    env.put(TlsConfig.ENV_KEY, p.dirOf(two).resolve(TlsConfig.KEY_FILE).toString());
    env.put(TlsConfig.ENV_CA, p.dirOf(two).resolve(TlsConfig.CA_FILE).toString());
    Out d = p.driver(two, headAddress, env, MultiHostTest.Driver.class.getName(), "tour", "2", "2");
    assertThat(d.code()).as(d.text()).isZero();
    NetnsHosts.Host one = p.host(1);
    assertThat(HostProcesses.lineStarting(d.text(), "task 1 ")).endsWith(" " + one.address());
    assertThat(HostProcesses.lineStarting(d.text(), "task 2 ")).endsWith(" " + two.address());
    assertThat(d.text())
        .contains("pull-to 1 true " + one.address())
        .contains("pull-from 1 true")
        .contains("actor 1 " + one.address() + " 2")
        .contains("driver done");
    NodeRecord head = p.onlyNode(one);
    assertThat(Files.readString(headSession.resolve("logs").resolve(head.name() + ".log")))
        .as("the head's log")
        .contains("TLS on (objects move over TLS gRPC, no plain data port)");
    // On a host whose node runs with TLS, status and drivers find the files in its session.
    Out status = p.cli(two, "status", "--address", headAddress);
    assertThat(status.code()).as(status.text()).isZero();
    assertThat(status.text()).contains("Nodes: 2 alive");
    // The head's log, which is not on host 2, is read over its HTTPS server.
    Out headLog =
        p.cli(two, "logs", "--node", head.nodeId(), "--tail", "0", "--address", headAddress);
    assertThat(headLog.code()).as(headLog.text()).isZero();
    assertThat(headLog.text()).contains("TLS on (objects move over TLS gRPC, no plain data port)");
    Out plainDriver =
        p.driver(
            two, headAddress, Map.of(), MultiHostTest.Driver.class.getName(), "tour", "2", "2");
    assertThat(plainDriver.code()).as(plainDriver.text()).isZero();
    // Where no session keeps them, status is refused and told what to give.
    Out refused =
        p.cli(
            p.host(3),
            "status",
            "--address",
            headAddress,
            "--token-file",
            p.dirOf(p.host(3)).resolve(ClusterToken.FILE_NAME).toString());
    assertThat(refused.code()).as(refused.text()).isEqualTo(1);
    assertThat(refused.text()).contains("uses TLS and this command does not");
  }

  @Test
  @Order(2)
  void aNodeWithoutTlsIsRefusedAndToldWhatToGive() throws Exception {
    NetnsHosts.Host three = p.host(3);
    Out plain =
        p.cli(
            three,
            "start",
            "--address",
            headAddress,
            "--token-file",
            p.dirOf(three).resolve(ClusterToken.FILE_NAME).toString());
    assertThat(plain.code()).as(plain.text()).isEqualTo(1);
    assertThat(plain.text())
        .contains("the cluster at " + headAddress + " uses TLS and this node does not")
        .contains("--tls-cert");
  }

  @Test
  @Order(3)
  void aNodeWhoseCertificateAnotherAuthoritySignedIsRefused() throws Exception {
    NetnsHosts.Host three = p.host(3);
    Path other = Files.createDirectories(p.root().resolve("other-ca"));
    TlsConfig wrong = TlsConfig.generate(other);
    Out refused =
        p.cli(
            three,
            "start",
            "--address",
            headAddress,
            "--token-file",
            p.dirOf(three).resolve(ClusterToken.FILE_NAME).toString(),
            "--tls-cert",
            wrong.cert().toString(),
            "--tls-key",
            wrong.key().toString(),
            "--tls-ca",
            wrong.ca().toString());
    assertThat(refused.code()).as(refused.text()).isEqualTo(1);
    assertThat(refused.text())
        .contains("the TLS handshake with the cluster at " + headAddress + " failed")
        .contains("same authority");
  }

  @Test
  @Order(4)
  void aDriverWithoutTlsIsRefusedAndToldWhatToGive() throws Exception {
    NetnsHosts.Host three = p.host(3); // host 3: no node, no session with the cluster's files
    Out d =
        p.driver(
            three,
            headAddress,
            Map.of(
                "PRISM_CLUSTER_TOKEN_FILE",
                p.dirOf(three).resolve(ClusterToken.FILE_NAME).toString()),
            MultiHostTest.Driver.class.getName(),
            "tour",
            "2",
            "2");
    assertThat(d.code()).as(d.text()).isNotZero();
    assertThat(d.text()).contains("uses TLS and this driver does not");
  }
}
