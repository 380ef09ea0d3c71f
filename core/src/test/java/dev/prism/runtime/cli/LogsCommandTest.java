package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.ActorHandle;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code prism logs} against a head started as {@code prism start --head} does (a node process with
 * its log in the session directory): an actor prints a line, and its line is found by node, by
 * worker and by actor, and followed as it comes.
 */
@Timeout(180)
class LogsCommandTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static Path root;
  private static NodeLauncher.Started head;
  private static String actorId;

  /** An actor that prints. */
  public static final class Talker {
    /** Creates it. */
    public Talker() {}

    /**
     * Prints a line on the worker's standard output.
     *
     * @param line the line
     * @return its worker's pid
     */
    public long say(String line) {
      System.out.println(line);
      System.out.flush();
      return ProcessHandle.current().pid();
    }
  }

  /** A driver in its own JVM: makes the detached actor "talker" (once) and has it say args[1]. */
  public static final class Driver {
    private Driver() {}

    /**
     * Runs it.
     *
     * @param args the GCS address and the line
     */
    public static void main(String[] args) {
      Prism.init(PrismConfig.builder().address(args[0]).namespace("logs").build());
      try {
        ActorHandle<Talker> t =
            Prism.<Talker>getActor("talker")
                .orElseGet(
                    () ->
                        Prism.actor(Talker::new)
                            .setName("talker")
                            .setLifetime(dev.prism.ActorLifetime.DETACHED)
                            .remote());
        long pid = Prism.get(t.task(Talker::say, args[1]).remote(), Duration.ofSeconds(60));
        System.out.println("actor " + t.actorId() + " pid " + pid);
      } finally {
        Prism.shutdown();
      }
      System.exit(0);
    }
  }

  /** Runs the driver; returns the actor's id and its worker's pid. */
  private static String[] drive(String line) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("-Xmx256m");
    for (String flag : System.getProperty("prism.jvm.flags", "").split(" ", -1)) {
      if (!flag.isBlank()) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Driver.class.getName()));
    command.add(head.record().gcsAddress());
    command.add(line);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PRISM_CLUSTER_TOKEN_FILE", head.session().tokenFile().toString());
    Process p = pb.start();
    String output;
    try {
      assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as(output).isZero();
    String last =
        output.lines().filter(l -> l.startsWith("actor ")).reduce((a, b) -> b).orElseThrow();
    String[] parts = last.split(" ", -1);
    return new String[] {parts[1], parts[3]};
  }

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory(Path.of("/tmp"), "plogs");
    head =
        NodeLauncher.launch(
            StartOptions.parse(
                List.of(
                    "--head",
                    "--port",
                    "0",
                    "--num-cpus",
                    "2",
                    "--object-store-memory",
                    "64m",
                    "--temp-dir",
                    root.toString())));
    actorId = drive("first words")[0];
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      cli("stop", "--force", "--temp-dir", root.toString());
    } finally {
      HostProcesses.killNodesUnder(root);
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private record Out(int code, String out, String err) {}

  private static Out cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Cli.run(
            List.of(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    return new Out(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static String[] with(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--temp-dir", root.toString(), "--address", head.record().gcsAddress()));
    return all.toArray(String[]::new);
  }

  @Test
  void findsAnActorsLinesByNodeWorkerAndActor() throws Exception {
    String pid = drive("hello from the actor")[1];
    String line = "(pid=" + pid + ") hello from the actor";
    Awaitility.await("the line reaches the node's log")
        .atMost(WAIT)
        .until(() -> cli(with("logs", "--node", head.record().nodeId())).out.contains(line));
    Out byActor = cli(with("logs", "--actor", actorId));
    assertThat(byActor.code).as(byActor.err).isZero();
    assertThat(byActor.out.lines().toList())
        .contains(line, "(pid=" + pid + ") first words")
        .allMatch(l -> l.startsWith("(pid=" + pid + ") "));
    Out workers =
        cli(with("list", "workers", "--filter", "actor_id=" + actorId, "--format", "json"));
    String workerId =
        dev.prism.runtime.state.StateJson.MAPPER
            .readTree(workers.out)
            .get(0)
            .get("worker_id")
            .asText();
    assertThat(cli(with("logs", "--worker", workerId)).out).contains(line);
    Out byName = cli(with("logs", "--actor", "talker", "--tail", "1"));
    assertThat(byName.out.lines().toList()).containsExactly(line);
    Out list = cli(with("logs"));
    assertThat(list.out).contains(head.record().nodeId()).contains("head").contains(".log");
    Out unknown = cli(with("logs", "--node", "ffffffffffff"));
    assertThat(unknown.code).isEqualTo(1);
    assertThat(unknown.err).contains("no node ffffffffffff in the cluster nor on this machine");
    Out both = cli(with("logs", "--node", "a", "--actor", "b"));
    assertThat(both.code).isEqualTo(2);
  }

  /**
   * From a machine without the node's session (an empty --temp-dir here): the node's log is read
   * over its HTTP server, found through the address it published in the GCS; and a job's lines are
   * those of the workers that ran its tasks.
   */
  @Test
  void readsANodeOfAnotherMachineOverHttpAndAJobsWorkers() throws Exception {
    String pid = drive("words for a remote reader")[1];
    String line = "(pid=" + pid + ") words for a remote reader";
    Path elsewhere = Files.createTempDirectory(root, "elsewhere");
    List<String> remote =
        List.of(
            "--temp-dir",
            elsewhere.toString(),
            "--address",
            head.record().gcsAddress(),
            "--token-file",
            head.session().tokenFile().toString());
    Awaitility.await("the line reaches the node's log")
        .atMost(WAIT)
        .until(() -> cli(with("logs", "--node", head.record().nodeId())).out.contains(line));

    Out byActor = cli(concat(List.of("logs", "--actor", actorId, "--tail", "1"), remote));
    assertThat(byActor.code).as(byActor.err).isZero();
    assertThat(byActor.out.lines().toList()).containsExactly(line);
    Out byNode = cli(concat(List.of("logs", "--node", head.record().nodeId()), remote));
    assertThat(byNode.code).as(byNode.err).isZero();
    assertThat(byNode.out).contains(line);

    // The last driver's job: its one actor call ran in the talker's worker.
    var jobs = cli(with("list", "jobs", "--format", "json"));
    var rows = dev.prism.runtime.state.StateJson.MAPPER.readTree(jobs.out);
    String jobId = rows.get(rows.size() - 1).get("job_id").asText();
    Awaitility.await("the job's task events reach the GCS")
        .atMost(WAIT)
        .until(() -> cli(concat(List.of("logs", "--job", jobId), remote)).code == 0);
    Out byJob = cli(concat(List.of("logs", "--job", jobId), remote));
    assertThat(byJob.out).as(byJob.err).contains(line);
    assertThat(byJob.out.lines().filter(l -> l.startsWith("(pid=")))
        .allMatch(l -> l.startsWith("(pid=" + pid + ") "));

    Out noJob = cli(concat(List.of("logs", "--job", "ffffffffff"), remote));
    assertThat(noJob.code).isEqualTo(1);
    assertThat(noJob.err).contains("no tasks of job ffffffffff");
  }

  private static String[] concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all.toArray(String[]::new);
  }

  @Test
  void followsNewLinesAsTheyCome() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    CompletableFuture<Integer> following =
        CompletableFuture.supplyAsync(
            () ->
                Cli.run(
                    List.of(with("logs", "--actor", actorId, "--tail", "1", "--follow")),
                    new CliContext(
                        out,
                        System.err,
                        Map.of(),
                        () -> buf.toString(StandardCharsets.UTF_8).contains("later words"))));
    drive("later words");
    assertThat(following.get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
    assertThat(buf.toString(StandardCharsets.UTF_8)).contains(") later words");
  }
}
