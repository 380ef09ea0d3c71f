package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.ActorHandle;
import dev.prism.ActorLifetime;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.runtime.security.ClusterToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command line end to end, with real processes: {@code start --head}, {@code start --address}
 * with a custom resource, a driver JVM that runs a task needing that resource and creates an actor,
 * {@code status}, {@code stop}; then no process of the session and no shared-memory file of theirs
 * may be left. On the way, the cluster token: {@code start --head} writes it readable by its user
 * only, a node joining with a wrong token and a driver with a wrong token are refused with a clear
 * error (and the head logs the refusals), and the driver with the token's file works. The CLI runs
 * as {@link Cli#main} in child JVMs (not through the bash launcher) on this test's class path, with
 * its own session root and ephemeral ports.
 */
@Timeout(400)
class CliEndToEndTest {

  private static final Duration STEP = Duration.ofSeconds(120);

  /** A task that only the second node can run. */
  public static String whereAmI() {
    return Prism.runtimeContext().nodeId();
  }

  /** The actor the driver leaves behind. */
  public static final class Greeter {
    /** Creates it. */
    public Greeter() {}

    /**
     * Greets.
     *
     * @param who whom
     * @return the greeting
     */
    public String greet(String who) {
      return "hello " + who;
    }
  }

  /** The driver: joins the cluster at args[0], runs a task and creates a detached actor. */
  public static final class Driver {
    private Driver() {}

    /**
     * Runs the driver.
     *
     * @param args the GCS address
     */
    public static void main(String[] args) {
      Prism.init(PrismConfig.builder().address(args[0]).namespace("cli-test").build());
      try {
        ObjectRef<String> where =
            Prism.task(CliEndToEndTest::whereAmI).setResource("special", 1).remote();
        System.out.println("task-node " + Prism.get(where, Duration.ofSeconds(90)));
        ActorHandle<Greeter> g =
            Prism.actor(Greeter::new)
                .setName("greeter")
                .setLifetime(ActorLifetime.DETACHED)
                .remote();
        System.out.println(
            "actor " + Prism.get(g.task(Greeter::greet, "cli").remote(), Duration.ofSeconds(90)));
      } finally {
        Prism.shutdown();
      }
      System.out.println("driver done");
      System.exit(0);
    }
  }

  private Path root;
  private final List<ProcessHandle> seen = new ArrayList<>();

  @BeforeEach
  void makeRoot() throws IOException {
    // Short, so the stores' socket paths stay within the Unix limit.
    root = Files.createTempDirectory(Path.of("/tmp"), "pcli");
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      // Whatever happened, nothing of this test may outlive it.
      run(
          List.of(Cli.class.getName(), "stop", "--force", "--temp-dir", root.toString()),
          Duration.ofSeconds(60));
    } finally {
      HostProcesses.killNodesUnder(root);
      seen.forEach(ProcessHandle::destroyForcibly);
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  void startJoinRunStatusStop() throws Exception {
    String dir = root.toString();
    Out head =
        cli(
            "start",
            "--head",
            "--port",
            "0",
            "--num-cpus",
            "2",
            "--object-store-memory",
            "128m",
            "--temp-dir",
            dir);
    assertThat(head.code).as(head.text).isZero();
    assertThat(head.text)
        .contains("Started the Prism head")
        .contains("PRISM_ADDRESS=")
        .contains("prism start --address");
    SessionDir session = SessionDir.latest(root).orElseThrow();
    String address = session.gcsAddress().orElseThrow();
    assertThat(head.text)
        .contains("GCS at " + address)
        .contains("Cluster token: " + session.tokenFile());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(session.tokenFile())))
        .as("the token file's permissions")
        .isEqualTo("rw-------");
    Path tokenFile = session.tokenFile();

    // A node with a wrong token is refused at once, with a message that says what to do.
    Path wrong = root.resolve("wrong_token");
    ClusterToken.generate().writeTo(wrong);
    Out refused =
        cli("start", "--address", address, "--token-file", wrong.toString(), "--temp-dir", dir);
    assertThat(refused.code).as(refused.text).isEqualTo(1);
    assertThat(refused.text)
        .contains("the cluster at " + address + " refused this node's token")
        .contains("--token-file");
    assertThat(session.records()).as("no node process was started for it").hasSize(1);
    // So is a driver.
    Out badDriver =
        run(
            List.of(Driver.class.getName(), address),
            STEP,
            Map.of(ClusterToken.ENV, ClusterToken.generate().secret()));
    assertThat(badDriver.code).as(badDriver.text).isNotZero();
    assertThat(badDriver.text).contains("refused this driver's token");
    NodeRecord headRecord = session.records().getFirst();
    assertThat(Files.readString(session.logOf(headRecord.name())))
        .as("the head's log")
        .contains("GCS refused")
        .contains("wrong cluster token");

    Out node =
        cli(
            "start",
            "--address",
            address,
            "--num-cpus",
            "1",
            "--resources",
            "{\"special\": 1}",
            "--object-store-memory",
            "64m",
            "--temp-dir",
            dir);
    assertThat(node.code).as(node.text).isZero();
    List<NodeRecord> records = session.records();
    assertThat(records).hasSize(2).allMatch(r -> r.state().equals(NodeRecord.READY));
    NodeRecord second = records.stream().filter(r -> !r.head()).findFirst().orElseThrow();
    assertThat(node.text).contains("Started node " + second.nodeId());
    for (NodeRecord r : records) {
      seen.add(r.liveProcess().orElseThrow());
    }

    Out driver =
        run(
            List.of(Driver.class.getName(), address),
            STEP,
            Map.of(ClusterToken.ENV_FILE, tokenFile.toString()));
    assertThat(driver.code).as(driver.text).isZero();
    assertThat(driver.text)
        .contains("task-node " + second.nodeId())
        .contains("actor hello cli")
        .contains("driver done");

    Out status = cli("status", "--temp-dir", dir);
    assertThat(status.code).as(status.text).isZero();
    assertThat(status.text)
        .contains("Prism cluster at " + address)
        .contains("Nodes: 2 alive, 0 dead");
    for (NodeRecord r : records) {
      assertThat(status.text).contains(r.nodeId()).contains(r.nodeAddress());
    }
    assertThat(status.text)
        .contains("special")
        .contains("Actors: 1 (1 alive)")
        .contains(Greeter.class.getName())
        .contains("cli-test/greeter")
        .contains("ALIVE");

    List<ProcessHandle> all = new ArrayList<>();
    for (NodeRecord r : records) {
      ProcessHandle p = r.liveProcess().orElseThrow();
      all.add(p);
      all.addAll(p.descendants().toList());
    }
    seen.addAll(all);
    assertThat(all.size()).as("node processes and their workers").isGreaterThan(3);

    Out stop = cli("stop", "--temp-dir", dir);
    assertThat(stop.code).as(stop.text).isZero();
    assertThat(stop.text).contains("Stopped 2 Prism node processes");
    assertThat(all)
        .as("processes of the session left after stop")
        .noneMatch(ProcessHandle::isAlive);
    for (NodeRecord r : records) {
      assertThat(shmFilesOf(r.pid())).as("shared memory of %s", r.name()).isEmpty();
      assertThat(Path.of(r.storeSocket())).doesNotExist();
    }
    assertThat(session.records()).allMatch(r -> r.state().equals(NodeRecord.STOPPED));

    Out again = cli("stop", "--temp-dir", dir);
    assertThat(again.code).isZero();
    assertThat(again.text).contains("No Prism processes to stop");
    Out gone = cli("status", "--temp-dir", dir);
    assertThat(gone.code).isEqualTo(1);
    assertThat(gone.text).contains("no Prism cluster answers at " + address);
  }

  private static List<String> shmFilesOf(long pid) throws IOException {
    try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("prism-" + pid + "-"))
          .toList();
    }
  }

  private record Out(int code, String text) {}

  private Out cli(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Cli.class.getName());
    command.addAll(List.of(args));
    return run(command, STEP);
  }

  /** Runs a main class in a child JVM on this class path; output and exit code. */
  private Out run(List<String> mainAndArgs, Duration timeout) throws Exception {
    return run(mainAndArgs, timeout, Map.of());
  }

  /** Runs a main class in a child JVM with extra environment variables. */
  private Out run(List<String> mainAndArgs, Duration timeout, Map<String, String> env)
      throws Exception {
    List<String> command = HostProcesses.childJava(mainAndArgs);
    Path log = Files.createTempFile(root, "child", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    seen.add(p.toHandle());
    boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("%s finished within %s; output:%n%s", mainAndArgs, timeout, text).isTrue();
    return new Out(p.exitValue(), text);
  }
}
