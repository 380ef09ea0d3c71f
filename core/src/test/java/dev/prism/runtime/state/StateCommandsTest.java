package dev.prism.runtime.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.runtime.cli.Cli;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.worker.CoreWorker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prism list}, {@code summary} and {@code timeline} against a cluster with known contents:
 * an embedded GCS and node, a driver (this JVM) that ran 6 tasks of {@code square}, 3 of {@code
 * fail} (which throws), created 2 {@code Counter} actors and called each once, created a placement
 * group and put a 4 MiB object. The commands run in this JVM ({@link Cli#run}), asking the cluster
 * over gRPC as they do from a shell. The GCS keeps at most {@value #MAX_TASKS} task attempts; the
 * last test goes past that.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StateCommandsTest {

  private static final int MAX_TASKS = 20;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static EmbeddedCluster cluster;
  private static final List<ActorHandle<Counter>> ACTORS = new ArrayList<>();
  private static PlacementGroup group;
  private static ObjectRef<byte[]> big;
  private static long startedMicros;

  /**
   * A task.
   *
   * @param x a number
   * @return its square
   */
  public static int square(int x) {
    return x * x;
  }

  /**
   * A task that throws.
   *
   * @param x a number
   * @return never
   */
  public static int fail(int x) {
    throw new IllegalStateException("boom " + x);
  }

  /** An actor. */
  public static final class Counter {
    private int n;

    /** Creates it. */
    public Counter() {}

    /**
     * Counts.
     *
     * @return the count
     */
    public int inc() {
      return ++n;
    }
  }

  @BeforeAll
  static void start() {
    startedMicros = System.currentTimeMillis() * 1000;
    cluster =
        EmbeddedCluster.start(
            GcsConfig.builder().maxTasks(MAX_TASKS).build(),
            NodeConfig.builder()
                .numCpus(4)
                .objectStoreCapacity(128L << 20)
                .workerJvmOptions(
                    List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .build());
    Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).namespace("state").build());
    List<ObjectRef<Integer>> squares = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      squares.add(Prism.task(StateCommandsTest::square, i).remote());
    }
    List<ObjectRef<Integer>> failures = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      failures.add(Prism.task(StateCommandsTest::fail, i).remote());
    }
    assertThat(Prism.get(squares, WAIT)).containsExactly(0, 1, 4, 9, 16, 25);
    for (ObjectRef<Integer> f : failures) {
      try {
        Prism.get(f, WAIT);
      } catch (dev.prism.TaskException expected) {
        // the failure is the point
      }
    }
    for (String name : List.of("c1", "c2")) {
      ActorHandle<Counter> h = Prism.actor(Counter::new).setName(name).remote();
      assertThat(Prism.get(h.task(Counter::inc).remote(), WAIT)).isEqualTo(1);
      ACTORS.add(h);
    }
    group = PlacementGroups.create(List.of(Map.of("CPU", 1.0)), PlacementStrategy.PACK);
    assertThat(group.waitUntilReady(WAIT)).isTrue();
    big = Prism.put(new byte[4 << 20]);
    // Events travel in batches every 500 ms: wait for all 11 attempts to have ended.
    Awaitility.await("the task events reach the GCS")
        .atMost(WAIT)
        .until(
            () ->
                json("list", "tasks", "--filter", "state!=RUNNING", "--filter", "state!=SUBMITTED")
                        .size()
                    == 11);
  }

  @AfterAll
  static void stop() {
    try {
      Prism.shutdown();
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
    Awaitility.await("worker processes exit")
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
    String mine = "prism-" + ProcessHandle.current().pid() + "-";
    try (var files = Files.list(Path.of("/dev/shm"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(mine)))
          .as("shared-memory files left")
          .isEmpty();
    } catch (java.io.IOException e) {
      // no /dev/shm here: nothing to leak
    }
  }

  private record Out(int code, String out, String err) {}

  private static Out cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--help")) {
      all.add("--address");
      all.add(cluster.gcsAddress());
    }
    int code =
        Cli.run(
            all,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    return new Out(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static JsonNode json(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--format");
    all.add("json");
    Out o = cli(all.toArray(String[]::new));
    assertThat(o.code).as(o.err).isZero();
    return StateJson.MAPPER.readTree(o.out);
  }

  private static List<JsonNode> rows(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  @Test
  @Order(1)
  void listsTasksWithTheirStatesAndErrors() throws Exception {
    List<JsonNode> tasks = rows(json("list", "tasks", "--detail"));
    assertThat(tasks).hasSize(11);
    List<JsonNode> squares =
        tasks.stream().filter(t -> t.get("function").asText().endsWith(".square")).toList();
    assertThat(squares).hasSize(6).allMatch(t -> t.get("state").asText().equals("FINISHED"));
    String jobId = CoreWorker.current().jobId().isEmpty() ? "" : hex(CoreWorker.current().jobId());
    assertThat(squares)
        .allMatch(t -> t.get("job_id").asText().equals(jobId))
        .allMatch(t -> t.get("node_id").asText().equals(cluster.nodeId()))
        .allMatch(t -> !t.get("worker_id").asText().isEmpty())
        .allMatch(t -> t.get("duration_ms").asDouble() >= 0)
        .allMatch(t -> t.get("type").asText().equals("NORMAL_TASK"));
    List<JsonNode> failed = rows(json("list", "tasks", "--filter", "state=failed", "--detail"));
    assertThat(failed).hasSize(3);
    assertThat(failed)
        .allMatch(t -> t.get("error_type").asText().equals("java.lang.IllegalStateException"))
        .allMatch(t -> t.get("error_message").asText().startsWith("boom "));
    List<JsonNode> calls = rows(json("list", "tasks", "--filter", "type=ACTOR_TASK", "--detail"));
    assertThat(calls).hasSize(2).allMatch(t -> t.get("function").asText().endsWith("Counter.inc"));
    assertThat(rows(json("list", "tasks", "--limit", "4"))).hasSize(4);

    Out table = cli("list", "tasks", "--filter", "state=FAILED");
    assertThat(table.code).isZero();
    List<String> lines = table.out.lines().toList();
    assertThat(lines.getFirst()).startsWith("TASK ID").contains("STATE").contains("ERROR TYPE");
    assertThat(lines).hasSize(4);
    assertThat(lines.subList(1, 4)).allMatch(l -> l.contains("FAILED") && l.contains("fail"));
  }

  @Test
  @Order(2)
  void listsNodesJobsActorsWorkersGroupsAndObjects() throws Exception {
    List<JsonNode> nodes = rows(json("list", "nodes"));
    assertThat(nodes).hasSize(1);
    assertThat(nodes.getFirst().get("state").asText()).isEqualTo("ALIVE");
    assertThat(nodes.getFirst().get("total").get("CPU").asDouble()).isEqualTo(4.0);

    List<JsonNode> jobs = rows(json("list", "jobs"));
    assertThat(jobs)
        .anyMatch(j -> j.get("job_id").asText().equals(hex(CoreWorker.current().jobId())));
    assertThat(jobs).allMatch(j -> j.get("state").asText().equals("RUNNING"));

    List<JsonNode> actors = rows(json("list", "actors", "--detail"));
    assertThat(actors).hasSize(2);
    assertThat(actors).extracting(a -> a.get("name").asText()).containsExactly("c1", "c2");
    assertThat(actors)
        .allMatch(a -> a.get("state").asText().equals("ALIVE"))
        .allMatch(a -> a.get("class_name").asText().endsWith("Counter"))
        .allMatch(a -> a.get("namespace").asText().equals("state"));
    assertThat(rows(json("list", "actors", "--filter", "name=c2"))).hasSize(1);

    List<JsonNode> workers = rows(json("list", "workers", "--filter", "state=ACTOR"));
    assertThat(workers)
        .extracting(w -> w.get("actor_id").asText())
        .containsExactlyInAnyOrderElementsOf(
            actors.stream().map(a -> a.get("actor_id").asText()).toList());
    assertThat(workers).allMatch(w -> w.get("pid").asLong() > 0);

    List<JsonNode> groups = rows(json("list", "placement-groups"));
    assertThat(groups).hasSize(1);
    assertThat(groups.getFirst().get("placement_group_id").asText()).isEqualTo(group.id());
    assertThat(groups.getFirst().get("state").asText()).isEqualTo("CREATED");
    assertThat(groups.getFirst().get("strategy").asText()).isEqualTo("PACK");

    String bigId = CoreWorker.asImpl(big).objectId().toString();
    List<JsonNode> objects = rows(json("list", "objects", "--filter", "object_id=" + bigId));
    assertThat(objects).hasSize(1);
    assertThat(objects.getFirst().get("size").asLong()).isGreaterThanOrEqualTo(4 << 20);
    assertThat(objects.getFirst().get("node_id").asText()).isEqualTo(cluster.nodeId());

    Out table = cli("list", "actors");
    assertThat(table.out.lines().toList().getFirst())
        .startsWith("ACTOR ID")
        .contains("CLASS NAME")
        .contains("STATE");
  }

  @Test
  @Order(3)
  void summarizesTasksActorsAndObjects() throws Exception {
    JsonNode tasks = json("summary", "tasks");
    Map<String, JsonNode> byFunction = new java.util.HashMap<>();
    tasks.get("summary").forEach(r -> byFunction.put(r.get("function").asText(), r));
    JsonNode square = byFunction.get(StateCommandsTest.class.getName() + ".square");
    assertThat(square.get("total").asLong()).isEqualTo(6);
    assertThat(square.get("FINISHED").asLong()).isEqualTo(6);
    JsonNode fail = byFunction.get(StateCommandsTest.class.getName() + ".fail");
    assertThat(fail.get("FAILED").asLong()).isEqualTo(3);
    assertThat(fail.get("FINISHED").asLong()).isZero();
    assertThat(tasks.get("dropped_tasks").asLong()).isZero();

    JsonNode actors = json("summary", "actors").get("summary");
    assertThat(actors).hasSize(1);
    assertThat(actors.get(0).get("class_name").asText()).endsWith("Counter");
    assertThat(actors.get(0).get("ALIVE").asLong()).isEqualTo(2);

    JsonNode objects = json("summary", "objects").get("summary");
    assertThat(objects.get(0).get("node_id").asText()).isEqualTo(cluster.nodeId());
    assertThat(objects.get(0).get("bytes").asLong()).isGreaterThanOrEqualTo(4 << 20);

    Out table = cli("summary", "tasks");
    assertThat(table.code).isZero();
    assertThat(table.out.lines().toList().getFirst())
        .startsWith("FUNCTION")
        .contains("TOTAL")
        .contains("FINISHED")
        .contains("FAILED");
  }

  @Test
  @Order(4)
  void writesAChromeTraceOfTheTasksThatRan(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("trace.json");
    Out o = cli("timeline", "--output", file.toString());
    assertThat(o.code).as(o.err).isZero();
    assertThat(o.out).contains("Wrote 11 task executions to " + file);
    JsonNode trace = StateJson.MAPPER.readTree(Files.readString(file));
    List<JsonNode> runs =
        rows(trace).stream().filter(e -> e.get("ph").asText().equals("X")).toList();
    assertThat(runs).hasSize(11);
    long now = System.currentTimeMillis() * 1000;
    for (JsonNode e : runs) {
      assertThat(e.get("ts").asLong()).isBetween(startedMicros - 1_000_000, now);
      assertThat(e.get("dur").asLong()).isBetween(0L, 60_000_000L);
      assertThat(e.get("pid").isNumber()).isTrue();
      assertThat(e.get("tid").isNumber()).isTrue();
      assertThat(e.get("args").get("task_id").asText()).isNotEmpty();
    }
    assertThat(rows(trace).stream().filter(e -> e.get("name").asText().equals("thread_name")))
        .isNotEmpty();
  }

  @Test
  @Order(5)
  void refusesBadInputWithClearMessages() {
    Out kind = cli("list", "taks");
    assertThat(kind.code).isEqualTo(2);
    assertThat(kind.err)
        .contains(
            "unknown kind 'taks'; the kinds are nodes, jobs, actors, tasks, objects, workers,"
                + " placement-groups");
    Out filter = cli("list", "tasks", "--filter", "state");
    assertThat(filter.code).isEqualTo(2);
    assertThat(filter.err).contains("bad filter 'state': write key=value");
    Out key = cli("list", "tasks", "--filter", "colour=red");
    assertThat(key.code).isEqualTo(2);
    assertThat(key.err).contains("unknown filter key 'colour' for tasks; the keys are task_id");
    Out summary = cli("summary", "nodes");
    assertThat(summary.code).isEqualTo(2);
    assertThat(summary.err).contains("unknown kind 'nodes'; the kinds are tasks, actors, objects");
    Out format = cli("list", "nodes", "--format", "xml");
    assertThat(format.code).isEqualTo(2);
    Out none = cli("list");
    assertThat(none.code).isEqualTo(2);
    assertThat(none.err).contains("which kind?");
    Out help = cli("list", "--help");
    assertThat(help.code).isZero();
    assertThat(help.out).contains("usage: prism list").contains("<kind>").contains("--filter");
  }

  @Test
  @Order(6)
  void theGcsKeepsABoundedNumberOfAttemptsDroppingTheFirstEnded() throws Exception {
    java.util.Set<String> earlier = new java.util.HashSet<>();
    rows(json("list", "tasks", "--limit", "0"))
        .forEach(t -> earlier.add(t.get("task_id").asText()));
    assertThat(earlier).hasSize(11);
    List<ObjectRef<Integer>> more = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      more.add(Prism.task(StateCommandsTest::square, 100 + i).remote());
    }
    Prism.get(more, WAIT);
    // 11 + 15 = 26 attempts; the GCS keeps 20 and drops the 6 that ended first.
    Awaitility.await("the new attempts are in")
        .atMost(WAIT)
        .until(
            () ->
                json("summary", "tasks").get("dropped_tasks").asLong() == 6
                    && rows(json("list", "tasks", "--limit", "0", "--detail")).stream()
                        .allMatch(
                            t ->
                                t.get("state").asText().equals("FINISHED")
                                    || t.get("state").asText().equals("FAILED"))
                    // the driver's events (submitted) and the workers' (ran) travel apart
                    && rows(json("list", "tasks", "--limit", "0", "--detail")).stream()
                        .allMatch(t -> t.get("submitted_at").isTextual()));
    List<JsonNode> kept = rows(json("list", "tasks", "--limit", "0"));
    assertThat(kept).hasSize(MAX_TASKS);
    // The six dropped are among the first eleven (they ended first): all 15 new ones are kept.
    // (Told apart by id: event times come from a monotonic clock anchored once to the wall clock,
    // so comparing them with Instant.now() here could misplace the first new one.)
    assertThat(
            rows(json("list", "tasks", "--limit", "0")).stream()
                .filter(t -> !earlier.contains(t.get("task_id").asText())))
        .hasSize(15);
    Out table = cli("list", "tasks", "--limit", "0");
    assertThat(table.out).contains("(6 older task attempts were dropped by the GCS");
  }

  private static String hex(com.google.protobuf.ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }
}
