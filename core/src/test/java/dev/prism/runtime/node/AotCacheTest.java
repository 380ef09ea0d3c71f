package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.ActorHandle;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.worker.WorkerMain;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' AOT cache: trained once for a class path, reused by the next node, rebuilt when the
 * class path changes, and an unusable cache file ignored with one warning while workers still start
 * and run tasks.
 */
class AotCacheTest {

  private static final Duration TRAIN = Duration.ofMinutes(4);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path cacheDir;

  private static NodeConfig.Builder node(String stack) {
    return NodeConfig.builder()
        .numCpus(1)
        .objectStoreCapacity(64L << 20)
        .prestartWorkers(1)
        .workerAotCache(cacheDir)
        .workerJvmOptions(List.of("-Xmx128m", "-XX:+UseSerialGC", "-Xss" + stack));
  }

  @Test
  void aCacheIsTrainedForAClassPathReusedByTheNextNodeAndRebuiltWhenTheClassPathChanges(
      @TempDir Path extra) throws Exception {
    // options of its own: the other test's cache (same class path) has another key
    NodeConfig config = node("640k").build();
    int before = AotCache.trainings();
    AotCache first = new AotCache(config);
    first.start();
    AotCache.Ready ready =
        first.await(TRAIN).orElseThrow(() -> new AssertionError(first.warnings()));
    assertThat(first.warnings()).isEmpty();
    assertThat(ready.file()).isRegularFile().isEqualTo(first.plan().orElseThrow().file());
    assertThat(ready.file().getParent()).isEqualTo(cacheDir);
    assertThat(Arrays.stream(ready.classpath().split(File.pathSeparator)).map(Path::of))
        .as("no class path entry of a worker with the cache is a directory with files")
        .allMatch(p -> !Files.isDirectory(p) || isEmpty(p));
    assertThat(AotCache.trainings()).isEqualTo(before + 1);
    assertThat(first.command(ready))
        .contains("-XX:AOTCache=" + ready.file(), ready.classpath())
        .doesNotContain("-XX:AOTMode=on");
    List<String> cmd = first.command(ready);
    assertThat(cmd.indexOf(AotCache.MAPPING_OPTIONS.get(1)))
        .as("the cache's mapping option comes before the configured options, which may override it")
        .isPositive()
        .isLessThan(cmd.indexOf("-Xmx128m"));
    Object identity = Files.readAttributes(ready.file(), "unix:ino").get("ino");

    AotCache second = new AotCache(node("640k").build());
    second.start();
    assertThat(second.await(TRAIN)).contains(ready);
    assertThat(AotCache.trainings())
        .as("the same class path reuses the cache")
        .isEqualTo(before + 1);
    assertThat(Files.readAttributes(ready.file(), "unix:ino").get("ino")).isEqualTo(identity);

    Files.writeString(extra.resolve("extra.properties"), "changed=" + System.nanoTime());
    NodeConfig changed =
        node("640k").classpath(config.classpath() + File.pathSeparator + extra).build();
    AotCache third = new AotCache(changed);
    third.start();
    AotCache.Ready rebuilt =
        third.await(TRAIN).orElseThrow(() -> new AssertionError(third.warnings()));
    assertThat(rebuilt.file()).as("a new class path, a new cache").isNotEqualTo(ready.file());
    assertThat(rebuilt.file()).isRegularFile();
    assertThat(AotCache.trainings()).isEqualTo(before + 2);
    assertThat(ready.file()).as("the other class path's cache stays").isRegularFile();
  }

  @Test
  void anUnusableCacheIsIgnoredWithOneWarningAndWorkersStillRunTasks() throws Exception {
    NodeConfig config = node("512k").build();
    Path file = new AotCache(config).plan().orElseThrow().file();
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    byte[] garbage = new byte[64 << 10];
    ThreadLocalRandom.current().nextBytes(garbage);
    Files.write(file, garbage);

    try (EmbeddedCluster cluster = EmbeddedCluster.start(config)) {
      try {
        usesTheCacheOnceTrained(cluster, file, garbage.length);
      } finally {
        Prism.shutdown();
      }
    }
  }

  private static void usesTheCacheOnceTrained(EmbeddedCluster cluster, Path file, int garbage)
      throws Exception {
    Prism.init(PrismConfig.builder().address(cluster.gcsAddress()).build());
    assertThat(Prism.get(Prism.task(AotCacheTest::twice, 21).remote(), WAIT)).isEqualTo(42);

    // The node drops the garbage and trains a cache in its place; workers launched after that
    // start with it.
    Awaitility.await("a usable cache replaces the garbage")
        .atMost(TRAIN)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                Files.isRegularFile(file)
                    && Files.size(file) > garbage
                    && ProcessHandle.current().descendants().noneMatch(AotCacheTest::aotRun));
    // Two actors: one may take the idle worker launched before the cache; the other gets a new
    // worker, launched with the cache.
    Set<Long> before =
        ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
    List<Long> pids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ActorHandle<Pid> actor = Prism.actor(Pid::new).remote();
      pids.add(Prism.get(actor.task(Pid::pid).remote(), WAIT));
    }
    List<Long> launched = pids.stream().filter(pid -> !before.contains(pid)).toList();
    assertThat(launched).as("workers launched once the cache is ready").isNotEmpty();
    for (long pid : launched) {
      assertThat(commandLine(pid))
          .as("worker %d, launched once the cache is ready, starts with it", pid)
          .contains("-XX:AOTCache=" + file);
    }

    List<String> warnings = AotCache.warnings(cluster.nodeId());
    assertThat(warnings).as("one warning").hasSize(1);
    assertThat(warnings.getFirst()).contains(file.toString(), "cannot be used");
  }

  static int twice(int x) {
    return 2 * x;
  }

  /** An actor that tells its process id. */
  public static final class Pid {
    /** A new actor. */
    public Pid() {}

    /**
     * This actor's process.
     *
     * @return its id
     */
    public long pid() {
      return ProcessHandle.current().pid();
    }
  }

  /** An installer, a training run or a check of a cache. */
  private static boolean aotRun(ProcessHandle p) {
    String args = arguments(p);
    return args.contains(WorkerMain.TRAIN_ARGUMENT)
        || args.contains(WorkerMain.CHECK_ARGUMENT)
        || args.contains(AotCacheInstaller.class.getName());
  }

  private static String arguments(ProcessHandle p) {
    return commandLine(p.pid());
  }

  /** A process's command line, its arguments separated by spaces (empty once it is gone). */
  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")))
          .replace('\0', ' ');
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static boolean isEmpty(Path dir) {
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
