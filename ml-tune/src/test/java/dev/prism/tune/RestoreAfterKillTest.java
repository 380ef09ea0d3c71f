package dev.prism.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.LocalCluster;
import dev.prism.NodeOptions;
import dev.prism.Prism;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A sweep whose driver is killed with SIGKILL midway is restored by another driver. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RestoreAfterKillTest {
  private static LocalCluster cluster;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(NodeOptions.builder().cpus(2).workerHeap(128L << 20).build());
    Prism.init(cluster.address());
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
    cluster.close();
  }

  @Test
  void finishedTrialsAreNotRunAgainAndUnfinishedOnesResumeFromTheirCheckpoints(@TempDir Path dir)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
        cmd.add(a);
      }
    }
    cmd.addAll(
        List.of(
            "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
            "-cp",
            System.getProperty("java.class.path"),
            RestoreSweep.class.getName(),
            cluster.address(),
            dir.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    // an embedded cluster's token lives in this JVM only: hand it to the driver process
    pb.environment()
        .put(
            dev.prism.runtime.security.ClusterToken.ENV,
            dev.prism.runtime.security.ClusterToken.processDefault().secret());
    Process driver =
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("driver.log").toFile()).start();
    Path state = dir.resolve("restored").resolve(Experiment.STATE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!(Files.exists(state)
        && Files.readString(state).contains("\"TERMINATED\"")
        && Files.readString(state).contains("\"RUNNING\""))) {
      if (!driver.isAlive()) {
        throw new AssertionError(
            "the driver ended early (exit "
                + driver.exitValue()
                + "):\n"
                + Files.readString(dir.resolve("driver.log"))
                + (Files.exists(state) ? Files.readString(state) : "no state"));
      }
      assertThat(System.nanoTime()).as("a trial finished before the deadline").isLessThan(deadline);
      Thread.sleep(50);
    }
    Thread.sleep(600);
    driver.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    String before = Files.readString(state);
    ResultGrid g = Tuner.restore(dir.resolve("restored"), RestoreSweep.builder(dir)).fit();

    assertThat(g.size()).isEqualTo(5);
    for (TrialResult r : g.results()) {
      assertThat(r.status()).as(r.trialId()).isEqualTo(TrialStatus.TERMINATED);
      assertThat(r.history()).hasSize(RestoreSweep.ITERATIONS);
      for (int i = 0; i < RestoreSweep.ITERATIONS; i++) {
        assertThat(((Number) r.history().get(i).get("training_iteration")).intValue())
            .isEqualTo(i + 1);
      }
      assertThat(r.metric("acc"))
          .as(r.trialId())
          .isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
    }
    Map<String, List<Long>> starts = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("restored").resolve("starts.log"))) {
      String[] p = line.split(" ");
      starts.computeIfAbsent(p[0], k -> new ArrayList<>()).add(Long.parseLong(p[1]));
    }
    int resumed = 0;
    for (TrialResult r : g.results()) {
      List<Long> s = starts.get(r.trialId());
      boolean finishedBefore =
          before.contains("\"id\":\"" + r.trialId() + "\",\"status\":\"TERMINATED\"");
      if (finishedBefore) {
        assertThat(s).as("a trial finished before the kill ran once: " + r.trialId()).hasSize(1);
      } else if (s.getLast() > 0) {
        resumed++;
      }
    }
    assertThat(resumed).as("trials running at the kill resumed from a checkpoint").isPositive();
  }
}
