package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import dev.prism.SchedulingStrategy;
import dev.prism.runtime.cli.HostProcesses.Out;
import dev.prism.runtime.net.HostAddresses;
import dev.prism.runtime.security.ClusterToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three hosts with addresses of their own ({@link NetnsHosts}: network namespaces joined by a
 * virtual switch), joined as the README says: {@code prism start --head --host IP} on the first,
 * the token file copied to the others and given with {@code --token-file}, {@code prism start
 * --address HEAD:6379} there (one with {@code --host} and {@code --node-manager-port}, one
 * without). Drivers run on every host ({@code PRISM_ADDRESS}, as a user runs a job there) and
 * spread tasks over the hosts, pull objects both ways, call actors on other hosts; a placement
 * group spreads strictly over the hosts; then a node is killed and a host is cut off the network,
 * and each time the cluster notices and rebuilds the results it held from lineage. Every process
 * runs in its host's namespace; all of them, the namespaces and the files are gone after the class.
 * Skipped, saying why, where namespaces cannot be made (not root, no iproute2).
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostTest {

  private static final Duration STEP = Duration.ofSeconds(150);

  private static HostProcesses p;
  private static String headAddress;

  // ---- what runs on the cluster ----

  /**
   * Where a task runs: its node and its host's address (the one that is not loopback).
   *
   * @return "nodeId address"
   */
  public static String whereAmI() {
    String nodeIp = Prism.runtimeContext().nodeIp();
    if (!nodeIp.equals(ownAddress())) {
      throw new IllegalStateException("nodeIp " + nodeIp + " is not this host's " + ownAddress());
    }
    return Prism.runtimeContext().nodeId() + " " + ownAddress();
  }

  /**
   * {@link #whereAmI} after a short sleep, so tasks overlap and SPREAD has busy nodes to avoid.
   *
   * @return "nodeId address"
   * @throws InterruptedException if interrupted
   */
  public static String slowWhereAmI() throws InterruptedException {
    Thread.sleep(400);
    return whereAmI();
  }

  /** The address of this process's host that is not loopback. */
  static String ownAddress() {
    return HostAddresses.own().stream()
        .filter(a -> !a.startsWith("127.") && !a.contains(":"))
        .findFirst()
        .orElse("none");
  }

  /**
   * A big array that must go through the shared-memory store and the network to reach another host.
   *
   * @param n its length
   * @param seed its pattern
   * @return the array
   */
  public static long[] makeArray(int n, long seed) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = seed * i + 1;
    }
    return out;
  }

  /**
   * Like {@link #makeArray}, writing the node that ran it to a log first.
   *
   * @param n its length
   * @param seed its pattern
   * @param log the file that records each run's node
   * @return the array
   * @throws IOException when the log cannot be written
   */
  public static long[] makeLoggedArray(int n, long seed, String log) throws IOException {
    Files.writeString(
        Path.of(log),
        Prism.runtimeContext().nodeId() + "\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return makeArray(n, seed);
  }

  /**
   * A checksum of an array, and where it was computed.
   *
   * @param values the array
   * @return "sum address"
   */
  public static String sumAt(long[] values) {
    return sum(values) + " " + ownAddress();
  }

  static long sum(long[] values) {
    long s = 0;
    for (long v : values) {
      s = s * 31 + v;
    }
    return s;
  }

  /** An actor that says where it lives. */
  public static final class Resident {
    private int calls;

    /** Creates it. */
    public Resident() {}

    /**
     * Where it runs, and how many calls it has had.
     *
     * @return "address calls"
     */
    public String where() {
      calls++;
      return ownAddress() + " " + calls;
    }
  }

  /** The drivers: one per scenario, run in a host's namespace with {@code PRISM_ADDRESS}. */
  public static final class Driver {
    private Driver() {}

    /**
     * Runs a scenario.
     *
     * @param args the scenario and its arguments
     * @throws Exception on failure (the process then exits non-zero)
     */
    public static void main(String[] args) throws Exception {
      Prism.init();
      try {
        System.out.println("driver-node " + Prism.runtimeContext().nodeId());
        switch (args[0]) {
          case "tour" ->
              tour(Integer.parseInt(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 3);
          case "pg" -> placementGroups();
          case "lose" -> lose(Integer.parseInt(args[1]), args[2], args[3], args[4]);
          default -> throw new IllegalArgumentException(args[0]);
        }
      } finally {
        Prism.shutdown();
      }
      System.out.println("driver done");
      System.exit(0);
    }

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int LEN = 4 << 20; // 32 MB of longs

    /**
     * Tasks on every host (hosts 1 to {@code hostCount}), objects both ways between this host and
     * each other, actors.
     */
    private static void tour(int me, int hostCount) {
      for (int h = 1; h <= hostCount; h++) {
        ObjectRef<String> where =
            Prism.task(MultiHostTest::whereAmI).setResource("host" + h, 1).remote();
        System.out.println("task " + h + " " + Prism.get(where, WAIT));
      }
      List<ObjectRef<String>> spread = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        spread.add(
            Prism.task(MultiHostTest::slowWhereAmI)
                .setSchedulingStrategy(SchedulingStrategy.spread())
                .remote());
      }
      Set<String> spreadHosts = new HashSet<>();
      for (String w : Prism.get(spread, WAIT)) {
        spreadHosts.add(w.split(" ", -1)[1]);
      }
      System.out.println("spread-hosts " + spreadHosts.size());
      long[] mine = makeArray(LEN, me);
      ObjectRef<long[]> put = Prism.put(mine);
      for (int h = 1; h <= hostCount; h++) {
        if (h == me) {
          continue;
        }
        ObjectRef<String> there =
            Prism.task(MultiHostTest::sumAt, put).setResource("host" + h, 1).remote();
        String[] got = Prism.get(there, WAIT).split(" ", -1);
        System.out.println(
            "pull-to " + h + " " + (Long.parseLong(got[0]) == sum(mine)) + " " + got[1]);
        ObjectRef<long[]> made =
            Prism.task(MultiHostTest::makeArray, LEN, 10L + h).setResource("host" + h, 1).remote();
        long[] back = Prism.get(made, WAIT);
        System.out.println("pull-from " + h + " " + (sum(back) == sum(makeArray(LEN, 10L + h))));
        ActorHandle<Resident> a = Prism.actor(Resident::new).setResource("host" + h, 1).remote();
        Prism.get(a.task(Resident::where).remote(), WAIT);
        System.out.println("actor " + h + " " + Prism.get(a.task(Resident::where).remote(), WAIT));
        Prism.kill(a);
      }
    }

    /** STRICT_SPREAD over the three hosts; a fourth bundle can never fit. */
    private static void placementGroups() {
      List<Map<String, Double>> three = List.of(slot(), slot(), slot());
      PlacementGroup pg = PlacementGroups.create(three, PlacementStrategy.STRICT_SPREAD);
      System.out.println("pg-ready " + pg.waitUntilReady(WAIT));
      Set<String> at = new HashSet<>();
      for (int b = 0; b < 3; b++) {
        at.add(
            Prism.get(
                    Prism.task(MultiHostTest::whereAmI)
                        .setResource("slot", 1)
                        .setSchedulingStrategy(SchedulingStrategy.placementGroup(pg, b))
                        .remote(),
                    WAIT)
                .split(" ", -1)[1]);
      }
      System.out.println("pg-hosts " + at.size());
      PlacementGroups.remove(pg);
      PlacementGroup four =
          PlacementGroups.create(
              List.of(slot(), slot(), slot(), slot()), PlacementStrategy.STRICT_SPREAD);
      System.out.println("pg4-ready " + four.waitUntilReady(Duration.ofSeconds(5)));
      PlacementGroups.remove(four);
    }

    private static Map<String, Double> slot() {
      return new HashMap<>(Map.of("CPU", 1.0, "slot", 1.0));
    }

    /**
     * A result made on host {@code victim}; then that host is lost (by the command given); a task
     * elsewhere that takes the result, and this driver, still get it: it is rebuilt from lineage.
     */
    private static void lose(int victim, String log, String how, String what) throws Exception {
      String victimNode =
          Prism.get(
                  Prism.task(MultiHostTest::whereAmI).setResource("host" + victim, 1).remote(),
                  WAIT)
              .split(" ", -1)[0];
      ObjectRef<long[]> ref =
          Prism.task(MultiHostTest::makeLoggedArray, LEN, 3L, log)
              .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(victimNode, true))
              .remote();
      System.out.println("made " + Prism.wait(List.of(ref), 1, WAIT).ready().size());
      if (how.equals("kill")) {
        ProcessHandle node = ProcessHandle.of(Long.parseLong(what)).orElseThrow();
        node.descendants().forEach(ProcessHandle::destroyForcibly);
        node.destroyForcibly();
      } else {
        Process cut = new ProcessBuilder(what.split(" ", -1)).inheritIO().start();
        System.out.println("cut " + cut.waitFor());
      }
      long expected = sum(makeArray(LEN, 3L));
      // Soft affinity to the lost node: sent there while the cluster does not know it is gone (a
      // lease request or a pushed task to a host cut off hangs unless the transport notices),
      // run elsewhere once it does.
      ObjectRef<String> elsewhere =
          Prism.task(MultiHostTest::sumAt, ref)
              .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(victimNode, true))
              .remote();
      String[] got = Prism.get(elsewhere, Duration.ofMinutes(2)).split(" ", -1);
      System.out.println("rebuilt-task " + (Long.parseLong(got[0]) == expected) + " " + got[1]);
      System.out.println("rebuilt-get " + (sum(Prism.get(ref, WAIT)) == expected));
      System.out.println("victim-node " + victimNode);
    }
  }

  // ---- the cluster ----

  @BeforeAll
  static void startCluster() throws Exception {
    Assumptions.assumeTrue(
        NetnsHosts.unavailable().isEmpty(),
        () -> "skipped: " + NetnsHosts.unavailable().orElse(""));
    p = HostProcesses.create(3, STEP);
    Out head =
        p.startHead(
            "--num-cpus",
            "2",
            "--resources",
            "{\"host1\": 100, \"slot\": 1}",
            "--object-store-memory",
            "256m");
    headAddress = p.headAddress();
    assertThat(head.text()).doesNotContain("TLS: on");
    p.copyToOtherHosts(ClusterToken.FILE_NAME);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (p != null) {
      p.close();
    }
  }

  @Test
  @Order(1)
  void nodesOnOtherHostsJoinWithTheCopiedTokenAsTheReadmeSays() throws Exception {
    NetnsHosts.Host two = p.host(2);
    NetnsHosts.Host three = p.host(3);
    // A --host that is not this host's address is refused before anything starts.
    Out wrongHost =
        cli(
            three,
            "start",
            "--address",
            headAddress,
            "--host",
            two.address(),
            "--token-file",
            p.copied(three, ClusterToken.FILE_NAME));
    assertThat(wrongHost.code()).as(wrongHost.text()).isEqualTo(1);
    assertThat(wrongHost.text())
        .contains("--host " + two.address() + " is not an address of this machine")
        .contains(three.address());
    // A node with TLS cannot join a plain-text cluster, and is told so.
    dev.prism.runtime.security.TlsConfig tls =
        dev.prism.runtime.security.TlsConfig.generate(
            Files.createDirectories(p.root().resolve("tls")));
    Out tlsNode =
        p.cli(
            three,
            tls.environment(),
            "start",
            "--address",
            headAddress,
            "--token-file",
            p.copied(three, ClusterToken.FILE_NAME));
    assertThat(tlsNode.code()).as(tlsNode.text()).isEqualTo(1);
    assertThat(tlsNode.text())
        .contains("the cluster at " + headAddress + " does not use TLS, but this node does");
    // Host 2 without --host: the address that routes to the head.
    Out joined2 =
        cli(
            two,
            "start",
            "--address",
            headAddress,
            "--token-file",
            p.copied(two, ClusterToken.FILE_NAME),
            "--num-cpus",
            "2",
            "--resources",
            "{\"host2\": 100, \"slot\": 1}",
            "--object-store-memory",
            "256m");
    assertThat(joined2.code()).as(joined2.text()).isZero();
    // Host 3 with --host and --node-manager-port.
    Out joined3 =
        cli(
            three,
            "start",
            "--address",
            headAddress,
            "--host",
            three.address(),
            "--node-manager-port",
            "7001",
            "--token-file",
            p.copied(three, ClusterToken.FILE_NAME),
            "--num-cpus",
            "2",
            "--resources",
            "{\"host3\": 100, \"slot\": 1}",
            "--object-store-memory",
            "256m");
    assertThat(joined3.code()).as(joined3.text()).isZero();
    Out status = cli(p.host(1), "status");
    assertThat(status.code()).as(status.text()).isZero();
    assertThat(status.text())
        .contains("Prism cluster at " + headAddress)
        .contains("Nodes: 3 alive, 0 dead")
        .contains(p.host(1).address() + ":")
        .contains(two.address() + ":")
        .contains(three.address() + ":7001");
  }

  @Test
  @Order(2)
  void driversOnEveryHostSpreadTasksPullObjectsBothWaysAndCallActorsOnOtherHosts()
      throws Exception {
    Map<Integer, String> nodeOf = new HashMap<>();
    for (NetnsHosts.Host h : p.hosts().hosts()) {
      Out d = driver(h, "tour", String.valueOf(h.index()));
      assertThat(d.code()).as(d.text()).isZero();
      for (NetnsHosts.Host t : p.hosts().hosts()) {
        String line = lineStarting(d.text(), "task " + t.index() + " ");
        assertThat(line).as(d.text()).endsWith(" " + t.address());
        nodeOf.put(t.index(), line.split(" ", -1)[2]);
      }
      assertThat(d.text())
          .as("driver on host %d joins through its own host's node", h.index())
          .contains("driver-node " + nodeOf.get(h.index()));
      assertThat(lineStarting(d.text(), "spread-hosts ")).isNotEqualTo("spread-hosts 1");
      for (NetnsHosts.Host t : p.hosts().hosts()) {
        if (t.index() == h.index()) {
          continue;
        }
        assertThat(d.text())
            .contains("pull-to " + t.index() + " true " + t.address())
            .contains("pull-from " + t.index() + " true")
            .contains("actor " + t.index() + " " + t.address() + " 2");
      }
      assertThat(d.text()).contains("driver done");
    }
    assertThat(new HashSet<>(nodeOf.values())).hasSize(3);
  }

  @Test
  @Order(3)
  void aStrictSpreadPlacementGroupTakesOneBundleOnEachHost() throws Exception {
    Out d = driver(p.host(2), "pg");
    assertThat(d.code()).as(d.text()).isZero();
    assertThat(d.text())
        .contains("pg-ready true")
        .contains("pg-hosts 3")
        .contains("pg4-ready false")
        .contains("driver done");
  }

  @Test
  @Order(4)
  void aKilledNodeIsNoticedAndTheResultsItHeldAreRebuilt() throws Exception {
    NodeRecord victim = onlyRecord(p.host(2));
    Path log = p.root().resolve("runs-kill.txt");
    Out d = driver(p.host(1), "lose", "2", log.toString(), "kill", String.valueOf(victim.pid()));
    assertThat(d.code()).as(d.text()).isZero();
    assertThat(d.text()).contains("made 1").contains("rebuilt-get true").contains("driver done");
    assertThat(lineStarting(d.text(), "rebuilt-task ")).startsWith("rebuilt-task true ");
    assertThat(lineStarting(d.text(), "rebuilt-task ")).doesNotEndWith(" " + p.host(2).address());
    List<String> runs = Files.readAllLines(log);
    assertThat(runs)
        .as("ran on the killed node, then again elsewhere; driver:%n%s", d.text())
        .hasSize(2);
    assertThat(runs.getFirst()).isEqualTo(victim.nodeId());
    assertThat(runs.get(1)).isNotEqualTo(victim.nodeId());
    Out status = cli(p.host(1), "status");
    assertThat(status.text()).contains("Nodes: 2 alive, 1 dead");
  }

  @Test
  @Order(5)
  void aHostCutOffTheNetworkIsNoticedAndTheResultsItHeldAreRebuilt() throws Exception {
    NodeRecord victim = onlyRecord(p.host(3));
    Path log = p.root().resolve("runs-cut.txt");
    Out d =
        driver(
            p.host(1),
            "lose",
            "3",
            log.toString(),
            "cut",
            String.join(" ", p.hosts().cutCommand(3)));
    assertThat(d.code()).as(d.text()).isZero();
    assertThat(d.text())
        .contains("cut 0")
        .contains("rebuilt-task true " + p.host(1).address())
        .contains("rebuilt-get true")
        .contains("driver done");
    List<String> runs = Files.readAllLines(log);
    assertThat(runs)
        .as("ran on the cut host, then again on the head; driver:%n%s", d.text())
        .hasSize(2);
    assertThat(runs.getFirst()).isEqualTo(victim.nodeId());
    Out status = cli(p.host(1), "status");
    assertThat(status.text()).contains("Nodes: 1 alive, 2 dead");
  }

  // ---- helpers ----

  private static Out cli(NetnsHosts.Host h, String... args) throws Exception {
    return p.cli(h, args);
  }

  private static Path dirOf(NetnsHosts.Host h) {
    return p.dirOf(h);
  }

  private static NodeRecord onlyRecord(NetnsHosts.Host h) {
    return p.onlyNode(h);
  }

  private static String lineStarting(String text, String prefix) {
    return HostProcesses.lineStarting(text, prefix);
  }

  private static Out driver(NetnsHosts.Host h, String... args) throws Exception {
    Map<String, String> env = new HashMap<>();
    if (h.index() != 1) {
      env.put("PRISM_CLUSTER_TOKEN_FILE", p.copied(h, ClusterToken.FILE_NAME));
    }
    return p.driver(h, headAddress, env, Driver.class.getName(), args);
  }
}
