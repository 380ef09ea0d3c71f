package dev.prism.runtime.node;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Trains, checks and installs one worker AOT cache (see {@link AotCache}), in a process of its own
 * that a node manager starts and waits for: the cache is installed even when the node's JVM ends
 * first (a short program), and the next node finds it. A file lock next to the cache keeps two
 * installers from training the same cache at once; the second finds the first one's cache, checks
 * it and is done.
 *
 * <p>Training runs the worker main class with {@code -XX:AOTCacheOutput} and {@link
 * dev.prism.runtime.worker.WorkerMain#TRAIN_ARGUMENT} (the JVM writes the cache as it exits); the
 * check starts a JVM with the cache in {@code -XX:AOTMode=on}, which fails on a cache it cannot
 * use.
 */
public final class AotCacheInstaller {

  /** The installer's own JVM options: it only starts other JVMs. */
  static final List<String> OWN_OPTIONS =
      List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** How long a training run (with the JVM's assembly of the cache at its exit) may take. */
  static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(3);

  /** How long the check of a cache may take. */
  private static final Duration CHECK_TIMEOUT = Duration.ofMinutes(1);

  private AotCacheInstaller() {}

  /**
   * One cache to make.
   *
   * @param file where it goes
   * @param java the workers' {@code java}
   * @param options the workers' JVM flags and options
   * @param classpath the workers' class path with the cache (jars only)
   * @param mainClass the workers' main class
   */
  record Job(Path file, String java, List<String> options, String classpath, String mainClass) {

    /** The job as the installer's arguments. */
    List<String> toArguments() {
      List<String> args = new ArrayList<>(List.of(file.toString(), java, classpath, mainClass));
      args.addAll(options);
      return args;
    }

    static Job fromArguments(String[] args) {
      if (args.length < 4) {
        throw new IllegalArgumentException(
            "usage: AotCacheInstaller FILE JAVA CLASSPATH MAINCLASS [JVM OPTIONS...]");
      }
      return new Job(
          Path.of(args[0]), args[1], List.of(args).subList(4, args.length), args[2], args[3]);
    }
  }

  /**
   * Installs the cache its arguments name; exits with 0 when it is in place and usable.
   *
   * @param args the cache file, the workers' {@code java}, class path and main class, then their
   *     JVM options
   * @throws Exception if the installer fails
   */
  public static void main(String[] args) throws Exception {
    String problem = install(Job.fromArguments(args));
    if (problem != null) {
      System.out.println("prism AOT cache installer: " + problem);
      System.exit(1);
    }
    System.exit(0);
  }

  /** Null once the job's cache is in place and usable; else why not. */
  static String install(Job job) throws IOException, InterruptedException {
    Path file = job.file();
    String name = file.getFileName().toString();
    Path lockPath = file.resolveSibling(name.substring(0, name.length() - 4) + ".lock");
    try (FileChannel lockFile =
            FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      if (Files.isRegularFile(file)) {
        String problem = check(job);
        if (problem == null) {
          return null;
        }
        Files.deleteIfExists(file);
      }
      return train(job);
    }
  }

  /** Trains into a temporary file, checks it, and renames it into place. */
  private static String train(Job job) throws IOException, InterruptedException {
    Path file = job.file();
    String suffix = ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path tmp = file.resolveSibling(file.getFileName() + suffix);
    Path log = file.resolveSibling(file.getFileName() + ".log" + suffix);
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(job.java());
      cmd.addAll(job.options());
      cmd.add("-XX:AOTCacheOutput=" + tmp);
      cmd.add("-cp");
      cmd.add(job.classpath());
      cmd.add(job.mainClass());
      cmd.add(dev.prism.runtime.worker.WorkerMain.TRAIN_ARGUMENT);
      String problem = run(cmd, Map.of(), log, TRAIN_TIMEOUT);
      if (problem == null && !Files.isRegularFile(tmp)) {
        problem = "the training run wrote no cache: " + tail(log);
      }
      if (problem == null) {
        problem = check(new Job(tmp, job.java(), job.options(), job.classpath(), job.mainClass()));
      }
      if (problem == null) {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      return problem;
    } finally {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(log);
    }
  }

  /** Null when a JVM starts with the job's cache in {@code AOTMode=on}; else why not. */
  static String check(Job job) throws IOException, InterruptedException {
    Path file = job.file();
    Path log = file.resolveSibling(file.getFileName() + ".check.tmp-" + System.nanoTime());
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(job.java());
      cmd.addAll(job.options());
      cmd.add("-XX:AOTCache=" + file);
      cmd.add("-XX:AOTMode=on");
      cmd.add("-cp");
      cmd.add(job.classpath());
      cmd.add(job.mainClass());
      cmd.add(dev.prism.runtime.worker.WorkerMain.CHECK_ARGUMENT);
      return run(cmd, Map.of(), log, CHECK_TIMEOUT);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Runs a process; null when it exits with 0, else why not. */
  static String run(List<String> cmd, Map<String, String> env, Path log, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return "no exit within " + timeout.toSeconds() + " s";
      }
      int rc = p.exitValue();
      return rc == 0 ? null : "exit status " + rc + ": " + tail(log);
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }

  /** The last lines of a log, in one line. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }
}
