package dev.prism.runtime.job;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The head's jobs: uploaded files, and drivers run as supervised child processes of the head.
 *
 * <p>A submitted job's driver is {@code java <jvmFlags> -cp <Prism's class path>:<the job's jars>
 * <main class> <args>}, with {@code PRISM_ADDRESS} set to the cluster, {@value #ENV_JOB_JARS} to
 * its jars' hashes (its core worker asks for workers of that environment, which load its classes
 * from those jars) and {@value #ENV_SUBMISSION_ID} to its id. Its stdout and stderr go to one log
 * file. When it exits the job is SUCCEEDED (code 0), FAILED, or STOPPED when it was stopped.
 *
 * <p>The job table lives in memory: a head that restarts knows none of its earlier jobs (their
 * files and logs stay in the old session's directory). {@link #close()} stops every running driver.
 * Thread safe. The gRPC {@code JobService} wraps this class; an HTTP API can call it too.
 */
public final class JobManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JobManager.class);

  /** The variable naming a driver's jars (sha-256 hashes, comma separated, class path order). */
  public static final String ENV_JOB_JARS = "PRISM_JOB_JARS";

  /** The variable naming a driver's submission id. */
  public static final String ENV_SUBMISSION_ID = "PRISM_JOB_SUBMISSION_ID";

  /** The head's variable that sets {@link JobManagerConfig#maxUploadBytes()}. */
  public static final String ENV_MAX_UPLOAD_BYTES = "PRISM_JOB_MAX_UPLOAD_BYTES";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private final JobManagerConfig config;
  private final FileStore files;
  private final Path logs;
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private volatile String clusterAddress = "";
  private boolean closed;

  /** One job's state; guarded by the manager's monitor. */
  private static final class Job {
    final String id;
    final SubmitRequest request;
    final Path log;
    JobState state = JobState.PENDING;
    Process process;
    OptionalInt exitCode = OptionalInt.empty();
    Instant start;
    Instant end;
    String message = "";
    boolean stopRequested;

    Job(String id, SubmitRequest request, Path log) {
      this.id = id;
      this.request = request;
      this.log = log;
    }
  }

  /**
   * What to run.
   *
   * @param mainClass the driver's main class
   * @param args its arguments
   * @param jars the sha-256 hashes of its uploaded jars, in class path order
   * @param env extra environment variables of the driver
   * @param submissionId the id to give it, or empty for {@code job-<n>}
   */
  public record SubmitRequest(
      String mainClass,
      List<String> args,
      List<String> jars,
      Map<String, String> env,
      Optional<String> submissionId) {

    /** Copies. */
    public SubmitRequest {
      args = List.copyOf(args);
      jars = List.copyOf(jars);
      env = Map.copyOf(env);
    }
  }

  /**
   * A piece of a driver's log.
   *
   * @param data the bytes
   * @param nextOffset where the next read starts
   * @param ended true when the job has ended and this piece reaches the log's end
   */
  @SuppressWarnings("ArrayRecordComponent") // a read buffer handed over, never compared
  public record LogChunk(byte[] data, long nextOffset, boolean ended) {}

  /**
   * Creates the manager (and its directories).
   *
   * @param config how jobs are run
   * @throws JobException if the directories cannot be created
   */
  public JobManager(JobManagerConfig config) {
    this.config = config;
    FileStore.createPrivateDirectory(config.directory());
    this.files = new FileStore(config.directory().resolve("files"), config.maxUploadBytes());
    this.logs = config.directory().resolve("logs");
    FileStore.createPrivateDirectory(logs);
  }

  /**
   * Sets the cluster address drivers get as {@code PRISM_ADDRESS} (once the GCS is bound).
   *
   * @param address {@code host:port}
   */
  public void clusterAddress(String address) {
    this.clusterAddress = address;
  }

  /**
   * Returns the store of uploaded files.
   *
   * @return the store
   */
  public FileStore files() {
    return files;
  }

  /**
   * Starts a job's driver.
   *
   * @param request what to run
   * @return the job's status (RUNNING, or FAILED when its process could not start)
   * @throws JobException NOT_FOUND for a jar the head does not have, INVALID for a bad request
   */
  public JobStatus submit(SubmitRequest request) {
    if (request.mainClass() == null || request.mainClass().isBlank()) {
      throw new JobException(JobException.Kind.INVALID, "a job needs a main class");
    }
    List<Path> jarPaths = new ArrayList<>();
    for (String hash : request.jars()) {
      jarPaths.add(
          files
              .path(hash)
              .orElseThrow(
                  () ->
                      new JobException(
                          JobException.Kind.NOT_FOUND,
                          "the file "
                              + hash
                              + " is not on the head; upload it before submitting the job")));
    }
    Job job;
    synchronized (this) {
      if (closed) {
        throw new JobException(JobException.Kind.FAILED, "the head is shutting down");
      }
      String id = request.submissionId().filter(s -> !s.isEmpty()).orElse(null);
      if (id == null) {
        do {
          id = "job-" + nextId.getAndIncrement();
        } while (jobs.containsKey(id));
      } else if (!ID.matcher(id).matches()) {
        throw new JobException(
            JobException.Kind.INVALID,
            "the submission id '"
                + id
                + "' is not 1-64 letters, digits, '_', '.' or '-' (starting with a letter or"
                + " digit)");
      } else if (jobs.containsKey(id)) {
        throw new JobException(
            JobException.Kind.INVALID, "a job with the submission id " + id + " exists already");
      }
      job = new Job(id, request, logs.resolve(id + ".log"));
      jobs.put(id, job);
    }
    start(job, jarPaths);
    return status(job.id);
  }

  private void start(Job job, List<Path> jarPaths) {
    SubmitRequest r = job.request;
    List<String> cmd = new ArrayList<>();
    cmd.add(config.javaExecutable().toString());
    cmd.addAll(config.jvmFlags());
    cmd.add("-cp");
    StringBuilder cp = new StringBuilder(config.classpath());
    for (Path p : jarPaths) {
      if (!cp.isEmpty()) {
        cp.append(File.pathSeparatorChar);
      }
      cp.append(p);
    }
    cmd.add(cp.toString());
    cmd.add(r.mainClass());
    cmd.addAll(r.args());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    // A driver gets only its own job's environment, never the one of the process that runs the
    // job manager (an embedded cluster's driver may have a runtime environment of its own).
    env.remove(dev.prism.runtime.worker.RuntimeEnvs.ENV);
    env.remove(ENV_JOB_JARS);
    env.putAll(r.env());
    env.putAll(config.driverEnvironment());
    env.put("PRISM_ADDRESS", clusterAddress);
    env.put(ENV_SUBMISSION_ID, job.id);
    env.put(ENV_JOB_JARS, String.join(",", r.jars()));
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p;
    synchronized (this) {
      try {
        FileStore.createPrivateFile(job.log);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(job.log.toFile()));
        p = pb.start();
      } catch (IOException e) {
        job.state = JobState.FAILED;
        job.end = Instant.now();
        job.message = "its driver could not be started: " + e.getMessage();
        LOG.warn("job {}: {}", job.id, job.message);
        return;
      }
      job.process = p;
      job.state = JobState.RUNNING;
      job.start = Instant.now();
    }
    LOG.info("job {} started: driver pid {}, main class {}", job.id, p.pid(), r.mainClass());
    var _ = p.onExit().thenRun(() -> exited(job, p));
  }

  private synchronized void exited(Job job, Process p) {
    int code = p.exitValue();
    job.exitCode = OptionalInt.of(code);
    job.end = Instant.now();
    if (job.stopRequested) {
      job.state = JobState.STOPPED;
      job.message = "stopped on request";
    } else if (code == 0) {
      job.state = JobState.SUCCEEDED;
    } else {
      job.state = JobState.FAILED;
      job.message = "the driver exited with code " + code + "; its logs tell why";
    }
    LOG.info("job {} {} (exit code {})", job.id, job.state, code);
    notifyAll();
  }

  private synchronized Job job(String id) {
    Job j = jobs.get(id);
    if (j == null) {
      throw new JobException(
          JobException.Kind.NOT_FOUND,
          "no job '" + id + "' on this cluster; 'prism job list' lists the jobs");
    }
    return j;
  }

  /**
   * Returns a job's status.
   *
   * @param id its submission id
   * @return the status
   * @throws JobException NOT_FOUND when unknown
   */
  public synchronized JobStatus status(String id) {
    return snapshot(job(id));
  }

  /**
   * Returns every job, in submission order.
   *
   * @return their statuses
   */
  public synchronized List<JobStatus> list() {
    return jobs.values().stream().map(JobManager::snapshot).toList();
  }

  private static JobStatus snapshot(Job j) {
    return new JobStatus(
        j.id,
        j.state,
        j.request.mainClass(),
        j.request.args(),
        j.request.jars(),
        j.exitCode,
        Optional.ofNullable(j.start),
        Optional.ofNullable(j.end),
        j.message,
        j.process == null ? 0 : j.process.pid());
  }

  /**
   * Reads a job's log from an offset.
   *
   * @param id its submission id
   * @param offset where to start (0 for the beginning)
   * @param maxBytes the most bytes to return
   * @return the bytes (possibly none), the next offset, and whether the log is complete
   * @throws JobException NOT_FOUND when unknown
   */
  public LogChunk logs(String id, long offset, int maxBytes) {
    Job j = job(id);
    boolean ended;
    synchronized (this) {
      ended = j.state.isTerminal();
    }
    if (!Files.exists(j.log)) {
      return new LogChunk(new byte[0], 0, ended);
    }
    try (RandomAccessFile f = new RandomAccessFile(j.log.toFile(), "r")) {
      long length = f.length();
      long from = Math.max(0, Math.min(offset, length));
      int n = (int) Math.min(maxBytes, length - from);
      byte[] data = new byte[n];
      f.seek(from);
      f.readFully(data);
      return new LogChunk(data, from + n, ended && from + n >= length);
    } catch (IOException e) {
      throw new JobException(
          JobException.Kind.FAILED, "cannot read the log of job " + id + ": " + e, e);
    }
  }

  /**
   * Stops a job: SIGTERM to its driver and the driver's descendants, SIGKILL to those left after
   * the grace period. Returns once the driver exited and the job is STOPPED (or after the grace and
   * 10 more seconds).
   *
   * @param id its submission id
   * @param grace how long the driver has to exit; null for the configured one
   * @return whether it was running (false: it had ended already)
   * @throws JobException NOT_FOUND when unknown
   */
  public boolean stop(String id, Duration grace) {
    Job j = job(id);
    Process p;
    synchronized (this) {
      if (j.state.isTerminal() || j.process == null) {
        return false;
      }
      j.stopRequested = true;
      p = j.process;
    }
    kill(p, grace == null ? config.stopGrace() : grace);
    try {
      // the exit is recorded on another thread: the status after this call says STOPPED
      await(id, Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  private static void kill(Process p, Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
      }
      tree.forEach(ProcessHandle::destroyForcibly);
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until a job has ended.
   *
   * @param id its submission id
   * @param timeout the longest wait
   * @return its status then (not terminal on timeout)
   * @throws InterruptedException if interrupted
   */
  public synchronized JobStatus await(String id, Duration timeout) throws InterruptedException {
    Job j = job(id);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!j.state.isTerminal()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return snapshot(j);
  }

  /** Stops every running driver (the head is stopping). Idempotent. */
  @Override
  public void close() {
    List<Process> running = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Job j : jobs.values()) {
        if (!j.state.isTerminal() && j.process != null) {
          j.stopRequested = true;
          running.add(j.process);
        }
      }
    }
    running.parallelStream().forEach(p -> kill(p, config.stopGrace()));
  }
}
