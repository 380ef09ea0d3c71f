package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Worker processes as a user sees them: their output, and what happens when the driver dies. */
@Timeout(120)
class WorkerProcessTest {

  static String shout(String line) {
    System.out.println(line);
    System.err.println(line + " on stderr");
    return line;
  }

  static long pid() {
    return ProcessHandle.current().pid();
  }

  @Test
  void workerOutputReachesTheDriverConsolePrefixedWithThePid() {
    PrintStream original = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setOut(capture);
    System.setErr(capture);
    try {
      Prism.init(ClusterFixture.small().prestartWorkers(1).build());
      String line = "hello from a task " + UUID.randomUUID();
      long pid = Prism.get(Prism.task(WorkerProcessTest::pid).remote(), Duration.ofSeconds(60));
      Prism.get(Prism.task(WorkerProcessTest::shout, line).remote(), Duration.ofSeconds(60));
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> captured.toString(StandardCharsets.UTF_8).contains(line + " on stderr"));
      String out = captured.toString(StandardCharsets.UTF_8);
      assertThat(out).contains("(pid=" + pid + ") " + line);
      assertThat(out).contains("(pid=" + pid + ") " + line + " on stderr");
    } finally {
      System.setOut(original);
      System.setErr(originalErr);
      ClusterFixture.shutdownAndCheck();
    }
  }

  static List<ObjectRef<String>> putAndReturnRefs(int n) {
    List<ObjectRef<String>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Prism.put("value " + i));
    }
    return out;
  }

  @Test
  void anIdleWorkerThatOwnsObjectsOthersHoldIsKeptUntilTheyAreDropped() throws Exception {
    String previous = System.setProperty("prism.worker.idleTimeoutMs", "1000");
    try {
      // No prestarted workers: every worker may be stopped once idle for a second.
      Prism.init(ClusterFixture.small().prestartWorkers(0).build());
      List<ObjectRef<String>> made =
          Prism.get(
              Prism.task(WorkerProcessTest::putAndReturnRefs, 3).remote(), Duration.ofSeconds(60));
      Thread.sleep(3_000);
      assertThat(Prism.get(made, Duration.ofSeconds(30)))
          .as("the objects a worker owns outlive its idle timeout while the driver holds them")
          .containsExactly("value 0", "value 1", "value 2");
      made = null;
      Awaitility.await("the worker is stopped once nobody holds its objects")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(300))
          .until(
              () -> {
                System.gc();
                return ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive);
              });
    } finally {
      if (previous == null) {
        System.clearProperty("prism.worker.idleTimeoutMs");
      } else {
        System.setProperty("prism.worker.idleTimeoutMs", previous);
      }
      ClusterFixture.shutdownAndCheck();
    }
  }

  /** A driver in its own JVM: starts Prism, runs a task, prints its worker pids, waits. */
  public static final class Driver {
    public static void main(String[] args) throws Exception {
      Prism.init(ClusterFixture.small().prestartWorkers(2).build());
      Prism.get(Prism.task(WorkerProcessTest::pid).remote(), Duration.ofSeconds(60));
      StringBuilder pids = new StringBuilder("workers:");
      ProcessHandle.current().descendants().forEach(p -> pids.append(' ').append(p.pid()));
      System.out.println(pids);
      System.out.flush();
      Thread.sleep(120_000);
    }
  }

  @Test
  void workersExitWhenTheirDriverIsKilled(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("driver.log");
    List<String> command = ClusterFixture.javaCommand(Driver.class);
    Process driver =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.readString(log).contains("workers:"));
      List<ProcessHandle> workers = new ArrayList<>();
      for (String line : Files.readAllLines(log)) {
        if (line.startsWith("workers:")) {
          for (String pid : line.substring("workers:".length()).trim().split(" ")) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(workers::add);
          }
        }
      }
      assertThat(workers).isNotEmpty();
      driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      // A worker still starting when the driver died notices once its JVM is up: seconds on an
      // idle machine, tens of seconds on a loaded one.
      Awaitility.await("workers exit after their driver died")
          .atMost(Duration.ofSeconds(60))
          .until(() -> workers.stream().noneMatch(ProcessHandle::isAlive));
      Awaitility.await("the dead driver's shared memory is removed")
          .atMost(Duration.ofSeconds(20))
          .until(() -> noShmOf(driver.pid()));
    } finally {
      driver.destroyForcibly();
    }
  }

  private static boolean noShmOf(long pid) throws IOException {
    try (var files = Files.list(Path.of("/dev/shm"))) {
      return files.noneMatch(p -> p.getFileName().toString().startsWith("prism-" + pid + "-"));
    }
  }
}
