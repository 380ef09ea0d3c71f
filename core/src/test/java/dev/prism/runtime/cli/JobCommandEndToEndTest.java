package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code prism job} end to end on one real head ({@code prism start --head} in a child JVM, an
 * upload limit of 64 KiB): jobs whose jars are compiled here, submitted through the CLI in child
 * JVMs. A job's output streams back and it SUCCEEDS; two jobs whose jars hold different versions of
 * the class {@code demo.Greeter} each see their own version in their tasks and actors on workers; a
 * long job is stopped (STOPPED, its driver gone); a missing main class fails the job with the JVM's
 * own error in its logs; an upload over the limit is refused; a missing jar is a usage error; an
 * unknown job id a failure. The head's job files are readable by their owner only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class JobCommandEndToEndTest {

  private static final Duration STEP = Duration.ofMinutes(2);

  private Path root;
  private String dashboard;
  private Path v1;
  private Path v2Classes;
  private final List<ProcessHandle> seen = new ArrayList<>();

  private static final String GREETER =
      """
      package demo;
      public class Greeter {
        public Greeter() {}
        public static String hello() { return "VERSION"; }
        public String version() { return "VERSION"; }
      }
      """;

  private static final String MAIN =
      """
      package demo;
      import dev.prism.ActorHandle;
      import dev.prism.Prism;
      import java.time.Duration;
      public class Main {
        public static void main(String[] args) {
          System.out.println("driver args " + String.join(" ", args));
          Prism.init();
          try {
            String t = Prism.get(Prism.task(Greeter::hello).remote(), Duration.ofSeconds(100));
            System.out.println("task saw " + t);
            ActorHandle<Greeter> g = Prism.actor(Greeter::new).remote();
            String a = Prism.get(g.task(Greeter::version).remote(), Duration.ofSeconds(100));
            System.out.println("actor saw " + a);
          } finally {
            Prism.shutdown();
          }
        }
      }
      """;

  private static final String SLEEPER =
      """
      package demo;
      public class Sleeper {
        public static void main(String[] args) throws Exception {
          System.out.println("sleeping");
          Thread.sleep(600_000);
        }
      }
      """;

  @BeforeAll
  void startHead() throws Exception {
    root = Files.createTempDirectory(Path.of("/tmp"), "pjob");
    v1 = buildJar("v1");
    buildJar("v2"); // its classes directory is submitted with --classpath-dir
    Out head =
        run(
            List.of(
                Cli.class.getName(),
                "start",
                "--head",
                "--port",
                "0",
                "--num-cpus",
                "4",
                "--object-store-memory",
                "64m",
                "--temp-dir",
                root.toString()),
            Map.of("PRISM_JOB_MAX_UPLOAD_BYTES", Integer.toString(64 << 10)));
    assertThat(head.code).as(head.text).isZero();
    dashboard = HostProcesses.lineStarting(head.text, "Dashboard: ").split("\\s+")[1];
  }

  @AfterAll
  void stopHead() throws Exception {
    try {
      run(List.of(Cli.class.getName(), "stop", "--force", "--temp-dir", root.toString()), Map.of());
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

  /**
   * Compiles demo.Greeter (returning {@code version}), demo.Main and demo.Sleeper into a jar (the
   * classes directory of v2 is kept for {@code --classpath-dir}).
   */
  private Path buildJar(String version) throws IOException {
    Path src = Files.createTempDirectory(root, "src-" + version);
    Path classes = Files.createTempDirectory(root, "classes-" + version);
    Path demo = Files.createDirectories(src.resolve("demo"));
    Files.writeString(demo.resolve("Greeter.java"), GREETER.replace("VERSION", version));
    Files.writeString(demo.resolve("Main.java"), MAIN);
    Files.writeString(demo.resolve("Sleeper.java"), SLEEPER);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc =
        javac.run(
            null,
            null,
            null,
            "-d",
            classes.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            demo.resolve("Greeter.java").toString(),
            demo.resolve("Main.java").toString(),
            demo.resolve("Sleeper.java").toString());
    assertThat(rc).isZero();
    if (version.equals("v2")) {
      v2Classes = classes;
    }
    Path jar = root.resolve("demo-" + version + ".jar");
    try (OutputStream o = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(o);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        j.putNextEntry(new JarEntry(classes.relativize(f).toString()));
        Files.copy(f, j);
        j.closeEntry();
      }
    }
    return jar;
  }

  @Test
  void twoJobsWithConflictingClassVersionsEachSeeTheirOwn() throws Exception {
    Out first = job("submit", "--jar", v1.toString(), "--main", "demo.Main", "--no-wait");
    assertThat(first.code).as(first.text).isZero();
    String id1 = first.text.strip().lines().reduce((a, b) -> b).orElseThrow();
    // the second as a directory of classes, which submit packs into a jar
    Out second =
        job(
            "submit",
            "--classpath-dir",
            v2Classes.toString(),
            "--main",
            "demo.Main",
            "--",
            "x",
            "y");
    assertThat(second.code).as(second.text).isZero();
    assertThat(second.text)
        .contains("driver args x y")
        .contains("task saw v2")
        .contains("actor saw v2")
        .contains("SUCCEEDED");
    Out logs = job("logs", id1, "--follow");
    assertThat(logs.code).as(logs.text).isZero();
    assertThat(logs.text).contains("task saw v1").contains("actor saw v1");
    Out status = job("status", id1);
    assertThat(status.text).contains(id1 + " SUCCEEDED (exit code 0)");
    Out list = job("list");
    assertThat(list.text).contains(id1 + " SUCCEEDED");
    Path files = SessionDir.latest(root).orElseThrow().path().resolve("jobs/files");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files)))
        .isEqualTo("rwx------");
    try (Stream<Path> stored = Files.list(files)) {
      for (Path f : stored.toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as(f.toString())
            .isEqualTo("rw-------");
      }
    }
  }

  /** A task of the bad-environment driver. */
  public static String hello() {
    return "hello";
  }

  /** An actor of the bad-environment driver. */
  public static final class Nobody {
    /** Creates it. */
    public Nobody() {}

    /**
     * Answers.
     *
     * @return "here"
     */
    public String here() {
      return "here";
    }
  }

  /** A driver whose job environment names a jar the head does not have. */
  public static final class BadEnvironmentDriver {
    private BadEnvironmentDriver() {}

    /**
     * Runs it.
     *
     * @param args none
     */
    public static void main(String[] args) {
      dev.prism.Prism.init();
      try {
        try {
          dev.prism.Prism.get(
              dev.prism.Prism.task(JobCommandEndToEndTest::hello).remote(), Duration.ofSeconds(60));
          System.out.println("task ran");
        } catch (dev.prism.PrismException e) {
          System.out.println("task failed: " + e.getMessage());
        }
        try {
          dev.prism.ActorHandle<Nobody> a = dev.prism.Prism.actor(Nobody::new).remote();
          dev.prism.Prism.get(a.task(Nobody::here).remote(), Duration.ofSeconds(60));
          System.out.println("actor ran");
        } catch (dev.prism.PrismException e) {
          System.out.println("actor failed: " + e.getMessage());
        }
      } finally {
        dev.prism.Prism.shutdown();
      }
      System.exit(0);
    }
  }

  @Test
  void aJarTheHeadDoesNotHaveFailsTasksAndActorsWithAClearError() throws Exception {
    SessionDir session = SessionDir.latest(root).orElseThrow();
    Out out =
        run(
            List.of(BadEnvironmentDriver.class.getName()),
            Map.of(
                "PRISM_ADDRESS",
                session.gcsAddress().orElseThrow(),
                "PRISM_CLUSTER_TOKEN_FILE",
                session.tokenFile().toString(),
                "PRISM_JOB_JARS",
                "0".repeat(64)));
    assertThat(out.code).as(out.text).isZero();
    assertThat(out.text)
        .contains("task failed: ")
        .contains("actor failed: ")
        .contains("its job environment cannot be set up")
        .contains("the head has no jar " + "0".repeat(64));
  }

  @Test
  void aLongJobIsStopped() throws Exception {
    Out submitted =
        job(
            "submit",
            "--jar",
            v1.toString(),
            "--main",
            "demo.Sleeper",
            "--submission-id",
            "sleepy",
            "--no-wait");
    assertThat(submitted.code).as(submitted.text).isZero();
    long deadline = System.nanoTime() + STEP.toNanos();
    Out logs;
    do {
      Thread.sleep(200);
      logs = job("logs", "sleepy");
    } while (!logs.text.contains("sleeping") && System.nanoTime() < deadline);
    assertThat(logs.text).contains("sleeping");
    Out running = job("status", "sleepy");
    assertThat(running.text).contains("sleepy RUNNING");
    long pid = driverPid(running.text);
    Out stopped = job("stop", "sleepy", "--grace-ms", "2000");
    assertThat(stopped.code).as(stopped.text).isZero();
    assertThat(stopped.text).contains("sleepy STOPPED");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void theRestApiUploadsSubmitsFollowsAndStopsJobs() throws Exception {
    String bearer =
        "Bearer "
            + dev.prism.runtime.security.ClusterToken.readFrom(
                    SessionDir.latest(root).orElseThrow().tokenFile())
                .secret();
    byte[] jar = Files.readAllBytes(v1);
    String hash = dev.prism.runtime.job.FileStore.sha256(v1);
    HttpResponse<String> up = http("PUT", "/api/v0/files/" + hash, bearer, jar);
    assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
    assertThat(up.body()).contains(hash);
    HttpResponse<String> wrongHash = http("PUT", "/api/v0/files/" + "0".repeat(64), bearer, jar);
    assertThat(wrongHash.statusCode()).as(wrongHash.body()).isEqualTo(400);
    byte[] noise = new byte[100 << 10];
    HttpResponse<String> tooBig = http("PUT", "/api/v0/files/" + sha256(noise), bearer, noise);
    assertThat(tooBig.statusCode()).as(tooBig.body()).isEqualTo(413);
    assertThat(
            http("POST", "/api/v0/jobs", null, "{}".getBytes(StandardCharsets.UTF_8)).statusCode())
        .isEqualTo(401);
    assertThat(http("POST", "/api/v0/jobs", bearer, "[1".getBytes(StandardCharsets.UTF_8)).body())
        .contains("not JSON");
    HttpResponse<String> noJar =
        http("POST", "/api/v0/jobs", bearer, json("demo.Main", "f".repeat(64), "rest-x"));
    assertThat(noJar.statusCode()).as(noJar.body()).isEqualTo(404);

    HttpResponse<String> submitted =
        http("POST", "/api/v0/jobs", bearer, json("demo.Main", hash, "rest-1"));
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    long deadline = System.nanoTime() + STEP.toNanos();
    String status;
    do {
      Thread.sleep(300);
      status = http("GET", "/api/v0/jobs/rest-1", bearer, null).body();
    } while (status.contains("\"RUNNING\"") && System.nanoTime() < deadline);
    assertThat(status).contains("\"state\":\"SUCCEEDED\"").contains("\"exitCode\":0");
    HttpResponse<String> logs = http("GET", "/api/v0/jobs/rest-1/logs", bearer, null);
    assertThat(logs.body()).contains("task saw v1").contains("actor saw v1");
    assertThat(logs.headers().firstValue("X-Job-Ended")).hasValue("true");
    long next = Long.parseLong(logs.headers().firstValue("X-Next-Offset").orElseThrow());
    assertThat(http("GET", "/api/v0/jobs/rest-1/logs?offset=" + next, bearer, null).body())
        .isEmpty();
    assertThat(http("GET", "/api/v0/jobs?state=SUCCEEDED", bearer, null).body()).contains("rest-1");
    assertThat(http("GET", "/api/v0/jobs/nobody", bearer, null).statusCode()).isEqualTo(404);

    assertThat(
            http("POST", "/api/v0/jobs", bearer, json("demo.Sleeper", hash, "rest-sleep"))
                .statusCode())
        .isEqualTo(201);
    HttpResponse<String> stop = http("POST", "/api/v0/jobs/rest-sleep/stop", bearer, new byte[0]);
    assertThat(stop.statusCode()).as(stop.body()).isEqualTo(200);
    assertThat(stop.body()).contains("\"stopped\":true");
    assertThat(http("GET", "/api/v0/jobs/rest-sleep", bearer, null).body())
        .contains("\"state\":\"STOPPED\"");
  }

  private static byte[] json(String main, String jar, String id) {
    return ("{\"mainClass\": \""
            + main
            + "\", \"jars\": [\""
            + jar
            + "\"], \"args\": [\"a\"], \"submissionId\": \""
            + id
            + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
  }

  private HttpResponse<String> http(String method, String path, String auth, byte[] body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(dashboard + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long driverPid(String statusLine) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("driver pid (\\d+)").matcher(statusLine);
    assertThat(m.find()).as(statusLine).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void aMissingMainClassFailsTheJobWithTheDriversError() throws Exception {
    Out out = job("submit", "--jar", v1.toString(), "--main", "demo.NoSuchMain");
    assertThat(out.code).as(out.text).isEqualTo(1);
    assertThat(out.text).contains("demo.NoSuchMain").contains("FAILED (exit code 1)");
  }

  @Test
  void refusalsAreClear() throws Exception {
    Path big = root.resolve("big.jar");
    byte[] noise = new byte[100 << 10];
    ThreadLocalRandom.current().nextBytes(noise);
    Files.write(big, noise);
    Out tooLarge = job("submit", "--jar", big.toString(), "--main", "demo.Main");
    assertThat(tooLarge.code).as(tooLarge.text).isEqualTo(1);
    assertThat(tooLarge.text).contains("over the head's upload limit of 65536 bytes");

    Out missing =
        job("submit", "--jar", root.resolve("nope.jar").toString(), "--main", "demo.Main");
    assertThat(missing.code).as(missing.text).isEqualTo(2);
    assertThat(missing.text).contains("nope.jar does not exist");

    Out unknown = job("status", "no-such-job");
    assertThat(unknown.code).as(unknown.text).isEqualTo(1);
    assertThat(unknown.text).contains("no job 'no-such-job'");

    Out noMain = job("submit", "--jar", v1.toString());
    assertThat(noMain.code).as(noMain.text).isEqualTo(2);
  }

  private record Out(int code, String text) {}

  private Out job(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Cli.class.getName(), "job"));
    command.addAll(List.of(args));
    command.addAll(List.of("--temp-dir", root.toString()));
    int dashes = command.indexOf("--");
    if (dashes >= 0) {
      // options go before the job's own arguments
      List<String> jobArgs = new ArrayList<>(command.subList(dashes, command.size() - 2));
      List<String> opts = new ArrayList<>(command.subList(0, dashes));
      opts.addAll(command.subList(command.size() - 2, command.size()));
      opts.addAll(jobArgs);
      command = opts;
    }
    return run(command, Map.of());
  }

  private Out run(List<String> mainAndArgs, Map<String, String> env) throws Exception {
    List<String> command = HostProcesses.childJava(mainAndArgs);
    Path log = Files.createTempFile(root, "child", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("PRISM_ADDRESS");
    pb.environment().putAll(env);
    Process p = pb.start();
    seen.add(p.toHandle());
    boolean done = p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("%s finished within %s; output:%n%s", mainAndArgs, STEP, text).isTrue();
    return new Out(p.exitValue(), text);
  }
}
