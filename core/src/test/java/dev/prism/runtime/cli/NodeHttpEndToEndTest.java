package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.ActorHandle;
import dev.prism.ActorLifetime;
import dev.prism.KeyValueStore;
import dev.prism.ObjectRef;
import dev.prism.PlacementGroup;
import dev.prism.PlacementGroups;
import dev.prism.PlacementStrategy;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.metrics.Gauge;
import dev.prism.metrics.Histogram;
import dev.prism.runtime.security.ClusterToken;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP side of a real cluster started by the command line: a head and a node (two processes), a
 * driver that leaves a detached actor and a placement group behind; then each node's {@code
 * /metrics} scraped and parsed, the head's JSON API read, requests without the token refused, the
 * shipped Grafana dashboard checked against what the nodes export, and the dashboard page loaded in
 * headless Chromium (logged in through the link {@code prism start --head} prints), with
 * screenshots in {@code target/dashboard-screenshots/}.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeHttpEndToEndTest {

  private static final Duration STEP = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private static Path root;
  private static final List<ProcessHandle> SEEN = new ArrayList<>();
  private static String dashboard;
  private static String loginLink;
  private static String nodeMetrics;
  private static String headNodeId;
  private static String nodeId;
  private static ClusterToken token;
  private static Process driver;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Runs on the node with the {@code special} resource. */
  public static String whereAmI() {
    // user metrics recorded in a worker process reach its node's /metrics
    dev.prism.metrics.Counter.builder("e2e_task_calls_total")
        .tagKeys("where")
        .build()
        .inc("worker");
    Histogram.builder("e2e_task_seconds").boundaries(0.5, 1).build().observe(0.25);
    return Prism.runtimeContext().nodeId();
  }

  /** The actor the driver leaves behind. */
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

  /** A job's driver, run on the head from its own class path (a job without jars). */
  public static final class HelloJob {
    private HelloJob() {}

    /**
     * Prints and exits.
     *
     * @param args printed
     */
    public static void main(String[] args) {
      System.out.println("hello from a job " + String.join(" ", args));
    }
  }

  /** The driver: a task on the node, a detached actor, a placement group; then it waits. */
  public static final class Driver {
    private Driver() {}

    /**
     * Runs it.
     *
     * @param args the GCS address
     */
    public static void main(String[] args) {
      Prism.init(PrismConfig.builder().address(args[0]).namespace("http-test").build());
      try {
        ObjectRef<String> where =
            Prism.task(NodeHttpEndToEndTest::whereAmI).setResource("special", 1).remote();
        System.out.println("task-node " + Prism.get(where, Duration.ofSeconds(90)));
        Gauge.builder("e2e_driver_level").build().set(42);
        KeyValueStore.put(
            "dashboard/tune/sweep",
            ("{\"name\": \"<b>sweep</b>\", \"metric\": \"score\", \"mode\": \"MAX\","
                    + " \"best\": {\"trial\": \"trial_00001\", \"value\": 1, \"config\": {}},"
                    + " \"trials\": []}")
                .getBytes(StandardCharsets.UTF_8));
        ActorHandle<Counter> c =
            Prism.actor(Counter::new)
                .setName("dash-counter")
                .setLifetime(ActorLifetime.DETACHED)
                .remote();
        System.out.println(
            "count " + Prism.get(c.task(Counter::inc).remote(), Duration.ofSeconds(90)));
        PlacementGroup pg =
            PlacementGroups.create(List.of(Map.of("CPU", 0.5)), PlacementStrategy.PACK);
        System.out.println("pg ready " + pg.waitUntilReady(Duration.ofSeconds(60)));
        // Its placement group lives as long as its job: the driver stays until the test ends
        // (or ten minutes pass).
        System.out.println("driver ready");
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        Prism.shutdown();
      }
      System.exit(0);
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    root = Files.createTempDirectory(Path.of("/tmp"), "phttp");
    String dir = root.toString();
    Out head =
        cli(
            "start",
            "--head",
            "--port",
            "0",
            "--dashboard-port",
            "0",
            "--num-cpus",
            "2",
            "--object-store-memory",
            "96m",
            "--temp-dir",
            dir);
    assertThat(head.code).as(head.text).isZero();
    String dashLine = HostProcesses.lineStarting(head.text, "Dashboard: ");
    dashboard = dashLine.split("\\s+")[1];
    assertThat(dashboard).startsWith("http://127.0.0.1:");
    assertThat(dashLine).contains(dashboard + "/metrics");
    loginLink =
        head.text
            .lines()
            .filter(l -> l.contains("/login#token="))
            .map(l -> l.substring(l.indexOf("http://")).strip())
            .findFirst()
            .orElseThrow();
    String gcs = HostProcesses.lineStarting(head.text, "  PRISM_ADDRESS=").split("[= ]+")[2];
    SessionDir session = SessionDir.latest(root).orElseThrow();
    token = ClusterToken.readFrom(session.tokenFile());
    assertThat(loginLink).endsWith(token.secret());
    Out node =
        cli(
            "start",
            "--address",
            gcs,
            "--num-cpus",
            "1",
            "--resources",
            "{\"special\": 1}",
            "--object-store-memory",
            "96m",
            "--temp-dir",
            dir);
    assertThat(node.code).as(node.text).isZero();
    nodeMetrics = HostProcesses.lineStarting(node.text, "Metrics: ").substring(9).strip();
    assertThat(nodeMetrics).startsWith("http://").endsWith("/metrics");
    for (NodeRecord r : session.records()) {
      if (r.head()) {
        headNodeId = r.nodeId();
      } else {
        nodeId = r.nodeId();
      }
    }
    Path driverLog = root.resolve("driver.log");
    ProcessBuilder pb =
        new ProcessBuilder(HostProcesses.childJava(List.of(Driver.class.getName(), gcs)))
            .redirectErrorStream(true)
            .redirectOutput(driverLog.toFile());
    pb.environment().put(ClusterToken.ENV_FILE, session.tokenFile().toString());
    driver = pb.start();
    SEEN.add(driver.toHandle());
    long deadline = System.nanoTime() + STEP.toNanos();
    String text = "";
    while (System.nanoTime() < deadline && driver.isAlive() && !text.contains("driver ready")) {
      Thread.sleep(200);
      text = Files.readString(driverLog, StandardCharsets.UTF_8);
    }
    assertThat(text)
        .as("the driver's output")
        .contains("task-node " + nodeId)
        .contains("count 1")
        .contains("pg ready true")
        .contains("driver ready");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (root == null) {
      return;
    }
    if (driver != null) {
      driver.destroy();
      driver.waitFor(30, TimeUnit.SECONDS);
    }
    try {
      run(
          List.of(Cli.class.getName(), "stop", "--force", "--temp-dir", root.toString()),
          STEP,
          Map.of());
    } finally {
      HostProcesses.killNodesUnder(root);
      SEEN.forEach(ProcessHandle::destroyForcibly);
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  @Order(1)
  void requestsWithoutTheTokenAreRefused() throws Exception {
    for (String url : List.of(dashboard + "/api/v0/nodes", dashboard + "/metrics", nodeMetrics)) {
      HttpResponse<String> r = get(url, null);
      assertThat(r.statusCode()).as(url).isEqualTo(401);
      assertThat(r.body()).as(url).doesNotContain("prism_").contains("cluster token");
      assertThat(get(url, "Bearer " + "x".repeat(40)).statusCode()).as(url).isEqualTo(401);
    }
  }

  @Test
  @Order(2)
  void everyNodeExportsItsMetrics() throws Exception {
    Map<String, List<Sample>> head = scrape(dashboard + "/metrics");
    Map<String, List<Sample>> node = scrape(nodeMetrics);

    assertThat(
            value(head, "prism_node_resource_capacity", "node_id", headNodeId, "resource", "CPU"))
        .isEqualTo(2.0);
    assertThat(
            value(node, "prism_node_resource_capacity", "node_id", nodeId, "resource", "special"))
        .isEqualTo(1.0);
    assertThat(value(head, "prism_nodes", "state", "ALIVE")).isEqualTo(2.0);
    assertThat(value(head, "prism_actors", "state", "ALIVE")).isGreaterThanOrEqualTo(1.0);
    assertThat(value(head, "prism_placement_groups", "state", "PG_CREATED"))
        .isGreaterThanOrEqualTo(1.0);
    // The task ran on the node: it started a worker and granted a lease there.
    assertThat(value(node, "prism_worker_starts_total", "node_id", nodeId, "outcome", "registered"))
        .isGreaterThanOrEqualTo(1.0);
    assertThat(value(node, "prism_leases_granted_total", "node_id", nodeId))
        .isGreaterThanOrEqualTo(1.0);
    assertThat(value(node, "prism_object_store_capacity_bytes", "node_id", nodeId))
        .isEqualTo(96.0 * 1024 * 1024);
    // Every call the GCS answered is timed: the node registered itself.
    assertThat(
            value(
                head,
                "prism_rpc_server_seconds_count",
                "server",
                "gcs",
                "method",
                "RegisterNode",
                "code",
                "OK"))
        .isGreaterThanOrEqualTo(1.0);
    assertThat(
            value(
                node,
                "prism_rpc_server_seconds_count",
                "server",
                "node_manager",
                "method",
                "RequestWorkerLease",
                "code",
                "OK"))
        .isGreaterThanOrEqualTo(1.0);
    assertThat(head).containsKey("jvm_memory_used_bytes");
    // Task events reached the GCS: the driver's task and actor call finished.
    assertThat(value(head, "prism_tasks_ended_total", "state", "FINISHED"))
        .isGreaterThanOrEqualTo(2.0);
    assertThat(value(head, "prism_tasks_submitted_total")).isGreaterThanOrEqualTo(2.0);
  }

  @Test
  @Order(2)
  void metricsRecordedInTasksAndDriversReachTheirNodes() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Map<String, List<Sample>> node = scrape(nodeMetrics);
    Map<String, List<Sample>> head = scrape(dashboard + "/metrics");
    while ((!node.containsKey("e2e_task_seconds_count")
            || !(head.containsKey("e2e_driver_level") || node.containsKey("e2e_driver_level")))
        && System.nanoTime() < deadline) {
      Thread.sleep(250);
      node = scrape(nodeMetrics);
      head = scrape(dashboard + "/metrics");
    }
    assertThat(value(node, "e2e_task_calls_total", "node_id", nodeId, "where", "worker"))
        .isEqualTo(1.0);
    Sample calls = node.get("e2e_task_calls_total").get(0);
    assertThat(calls.labels()).containsOnlyKeys("node_id", "job_id", "where");
    assertThat(calls.labels().get("job_id")).matches("[0-9a-f]+");
    assertThat(value(node, "e2e_task_seconds_bucket", "node_id", nodeId, "le", "0.5"))
        .isEqualTo(1.0);
    assertThat(value(node, "e2e_task_seconds_sum", "node_id", nodeId)).isEqualTo(0.25);
    assertThat(head).doesNotContainKey("e2e_task_calls_total");
    // the driver reports to the node it joined through: both run on this machine
    boolean onHead = head.containsKey("e2e_driver_level");
    assertThat(
            value(
                onHead ? head : node, "e2e_driver_level", "node_id", onHead ? headNodeId : nodeId))
        .isEqualTo(42.0);
  }

  @Test
  @Order(3)
  void theGrafanaDashboardUsesOnlyExportedMetrics() throws Exception {
    Path file = Path.of("..", "docs", "grafana", "prism-dashboard.json");
    JsonNode board = JSON.readTree(file.toFile());
    Map<String, List<Sample>> head = scrape(dashboard + "/metrics");
    Map<String, List<Sample>> node = scrape(nodeMetrics);
    List<String> exprs = new ArrayList<>();
    board.findValues("expr").forEach(e -> exprs.add(e.asText()));
    assertThat(exprs).hasSizeGreaterThanOrEqualTo(8);
    Matcher m =
        Pattern.compile("\\b(prism_[a-z0-9_]+|jvm_[a-z0-9_]+)").matcher(String.join("\n", exprs));
    List<String> missing = new ArrayList<>();
    while (m.find()) {
      // The libraries' metrics (Serve, Train, Tune) exist once they run; their modules check them.
      boolean library = m.group(1).matches("prism_(serve|train|tune)_.*");
      if (!library && !head.containsKey(m.group(1)) && !node.containsKey(m.group(1))) {
        missing.add(m.group(1));
      }
    }
    assertThat(missing).as("metrics the Grafana dashboard queries that no node exports").isEmpty();
  }

  @Test
  @Order(4)
  void theApiShowsTheCluster() throws Exception {
    String bearer = "Bearer " + token.secret();
    JsonNode cluster = JSON.readTree(get(dashboard + "/api/v0/cluster", bearer).body());
    assertThat(cluster.path("nodesAlive").asInt()).isEqualTo(2);
    assertThat(cluster.path("total").path("CPU").asDouble()).isEqualTo(3.0);
    assertThat(cluster.path("total").path("special").asDouble()).isEqualTo(1.0);
    JsonNode nodes = JSON.readTree(get(dashboard + "/api/v0/nodes", bearer).body());
    assertThat(nodes.path("total").asInt()).isEqualTo(2);
    List<String> ids = new ArrayList<>();
    nodes.path("items").forEach(n -> ids.add(n.path("nodeId").asText()));
    assertThat(ids).containsExactlyInAnyOrder(headNodeId, nodeId);
    JsonNode actors = JSON.readTree(get(dashboard + "/api/v0/actors?state=ALIVE", bearer).body());
    List<String> names = new ArrayList<>();
    actors.path("items").forEach(a -> names.add(a.path("name").asText()));
    assertThat(names).contains("dash-counter");
    assertThat(actors.path("items").get(0).path("className").asText()).endsWith("Counter");
    JsonNode none = JSON.readTree(get(dashboard + "/api/v0/actors?state=DEAD", bearer).body());
    assertThat(none.path("total").asInt()).isZero();
    HttpResponse<String> bad = get(dashboard + "/api/v0/nodes?limit=zero", bearer);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("limit 'zero' is not a number");
    JsonNode groups = JSON.readTree(get(dashboard + "/api/v0/placement-groups", bearer).body());
    assertThat(groups.path("total").asInt()).isGreaterThanOrEqualTo(1);
    JsonNode summary = JSON.readTree(get(dashboard + "/api/v0/tasks/summary", bearer).body());
    assertThat(summary.path("byState").path("FINISHED").asInt()).isGreaterThanOrEqualTo(2);
    JsonNode tasks = JSON.readTree(get(dashboard + "/api/v0/tasks?state=FINISHED", bearer).body());
    List<String> taskNames = new ArrayList<>();
    tasks.path("items").forEach(t -> taskNames.add(t.path("name").asText()));
    assertThat(taskNames).anyMatch(n -> n.contains("whereAmI"));
    JsonNode workers = JSON.readTree(get(dashboard + "/api/v0/state/workers", bearer).body());
    assertThat(workers.path("total").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(get(dashboard + "/api/v0/state/taks", bearer).body())
        .contains("unknown kind 'taks'");
    // A job without jars: its driver runs on the head's class path.
    HttpResponse<String> job =
        send(
            "POST",
            dashboard + "/api/v0/jobs",
            bearer,
            "{\"mainClass\": \""
                + HelloJob.class.getName()
                + "\", \"args\": [\"x\"],"
                + " \"submissionId\": \"hello\"}");
    assertThat(job.statusCode()).as(job.body()).isEqualTo(201);
    long deadline = System.nanoTime() + STEP.toNanos();
    String status;
    do {
      Thread.sleep(200);
      status = get(dashboard + "/api/v0/jobs/hello", bearer).body();
    } while (!status.contains("SUCCEEDED")
        && !status.contains("FAILED")
        && System.nanoTime() < deadline);
    assertThat(status).contains("\"state\":\"SUCCEEDED\"");
    assertThat(get(dashboard + "/api/v0/jobs/hello/logs", bearer).body())
        .contains("hello from a job x");
  }

  @Test
  @Order(5)
  void theDashboardShowsTheClusterInABrowser() throws Exception {
    HeadlessChromium.ensureInstalled();
    Path shots = Path.of("target", "dashboard-screenshots");
    try (HeadlessChromium browser = new HeadlessChromium(root.resolve("chromium-profile"))) {
      // Without logging in, the page sends the browser to the login form.
      browser.open(dashboard + "/");
      browser.await(
          "location.pathname === '/login' && !!document.getElementById('token')",
          Duration.ofSeconds(30));
      browser.screenshot(shots.resolve("login.png"));
      // The link prism start printed logs in and lands on the overview.
      browser.open(loginLink);
      browser.await("document.body.dataset.loaded === 'overview'", Duration.ofSeconds(30));
      browser.await(
          "document.querySelectorAll('#nodes tbody tr').length === 2", Duration.ofSeconds(15));
      String nodes = browser.script("return document.querySelector('#nodes').innerText");
      assertThat(nodes)
          .contains(headNodeId.substring(0, 12))
          .contains(nodeId.substring(0, 12))
          .contains("ALIVE");
      assertThat(browser.script("return document.getElementById('cluster').innerText"))
          .contains("nodes alive");
      browser.screenshot(shots.resolve("overview.png"));
      browser.script("location.hash = 'actors'; return ''");
      browser.await("document.body.dataset.loaded === 'actors'", Duration.ofSeconds(15));
      assertThat(browser.script("return document.querySelector('#actor-table').innerText"))
          .contains("dash-counter")
          .contains("Counter")
          .contains("ALIVE");
      browser.screenshot(shots.resolve("actors.png"));
      browser.script("location.hash = 'tasks'; return ''");
      browser.await("document.body.dataset.loaded === 'tasks'", Duration.ofSeconds(15));
      assertThat(browser.script("return document.getElementById('task-counts').innerText"))
          .contains("FINISHED");
      browser.screenshot(shots.resolve("tasks.png"));
      browser.script("location.hash = 'jobs'; return ''");
      browser.await("document.body.dataset.loaded === 'jobs'", Duration.ofSeconds(15));
      assertThat(browser.script("return document.querySelector('#job-table').innerText"))
          .contains("hello")
          .contains("SUCCEEDED");
      browser.script("document.querySelector('#job-table tbody a').click(); return ''");
      browser.await(
          "document.getElementById('job-log').innerText.includes('hello from a job')",
          Duration.ofSeconds(15));
      browser.screenshot(shots.resolve("jobs.png"));
      browser.script("location.hash = 'placement-groups'; return ''");
      browser.await("document.body.dataset.loaded === 'placement-groups'", Duration.ofSeconds(15));
      assertThat(browser.script("return document.querySelector('#pg-table').innerText"))
          .contains("PACK");
      browser.screenshot(shots.resolve("placement-groups.png"));
      // The Tune tab shows what the driver published as an experiment, as text.
      browser.script("location.hash = 'tune'; return ''");
      browser.await("document.body.dataset.loaded === 'tune'", Duration.ofSeconds(15));
      assertThat(browser.script("return document.querySelector('#tune-experiments').innerText"))
          .contains("<b>sweep</b>")
          .contains("trial_00001");
      assertThat(browser.script("return document.querySelectorAll('#tune-experiments b').length"))
          .isEqualTo("0");
      browser.script("location.hash = 'serve'; return ''");
      browser.await("document.body.dataset.loaded === 'serve'", Duration.ofSeconds(15));
      assertThat(browser.script("return document.querySelector('#serve-apps').innerText"))
          .contains("none");
      // Logging out ends the session: the next page load goes back to the login form.
      browser.open(dashboard + "/logout");
      browser.open(dashboard + "/");
      browser.await("location.pathname === '/login'", Duration.ofSeconds(15));
    }
    assertThat(shots.resolve("overview.png")).isNotEmptyFile();
  }

  private record Sample(Map<String, String> labels, double value) {}

  private static Map<String, List<Sample>> scrape(String url) throws Exception {
    HttpResponse<String> r = get(url, "Bearer " + token.secret());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
    Map<String, List<Sample>> out = new HashMap<>();
    for (String line : r.body().lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
      Map<String, String> labels = new HashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.computeIfAbsent(m.group(1), k -> new ArrayList<>())
          .add(new Sample(labels, Double.parseDouble(m.group(4))));
    }
    return out;
  }

  private static double value(Map<String, List<Sample>> scrape, String name, String... labels) {
    List<Sample> samples = scrape.get(name);
    assertThat(samples).as("samples of %s", name).isNotNull();
    for (Sample s : samples) {
      boolean all = true;
      for (int i = 0; i < labels.length; i += 2) {
        all &= labels[i + 1].equals(s.labels().get(labels[i]));
      }
      if (all) {
        return s.value();
      }
    }
    throw new AssertionError(
        "no sample of " + name + " with " + List.of(labels) + " in " + samples);
  }

  private static HttpResponse<String> send(String method, String url, String auth, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", auth)
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String url, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return HTTP.send(b.build(), BodyHandlers.ofString());
  }

  private record Out(int code, String text) {}

  private static Out cli(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Cli.class.getName());
    command.addAll(List.of(args));
    return run(command, STEP, Map.of());
  }

  private static Out run(List<String> mainAndArgs, Duration timeout, Map<String, String> env)
      throws Exception {
    List<String> command = HostProcesses.childJava(mainAndArgs);
    Path log = Files.createTempFile(root, "child", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    SEEN.add(p.toHandle());
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
