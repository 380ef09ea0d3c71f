package dev.prism.runtime.node;

import dev.prism.runtime.security.TlsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts worker JVMs: builds the command line and the environment of the launch contract, and
 * forwards each worker's stdout and stderr to the log sink line by line.
 */
final class WorkerLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerLauncher.class);

  /** The node manager's {@code host:port}. */
  static final String ENV_NODE_MANAGER_ADDRESS = "PRISM_NODE_MANAGER_ADDRESS";

  /** The GCS {@code host:port}; empty for a node without a GCS. */
  static final String ENV_GCS_ADDRESS = "PRISM_GCS_ADDRESS";

  /** The node id. */
  static final String ENV_NODE_ID = "PRISM_NODE_ID";

  /** The worker's own id, to send back in {@code RegisterWorker}. */
  static final String ENV_WORKER_ID = "PRISM_WORKER_ID";

  /** The object store's Unix domain socket. */
  static final String ENV_STORE_SOCKET = "PRISM_STORE_SOCKET";

  /** The node manager's process id: the worker exits when that process dies. */
  static final String ENV_PARENT_PID = "PRISM_PARENT_PID";

  /** The worker's GPU device indexes on the node, comma separated (empty for a CPU worker). */
  static final String ENV_GPU_IDS = "PRISM_GPU_IDS";

  /** The host the worker serves its CoreWorkerService on: the node manager's host. */
  static final String ENV_BIND_HOST = "PRISM_BIND_HOST";

  /** The cluster token (never on the command line: other users can read that). */
  static final String ENV_CLUSTER_TOKEN = dev.prism.runtime.security.ClusterToken.ENV;

  /** CUDA's device mask: the worker's devices' CUDA tokens (empty: no GPU visible). */
  static final String ENV_CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

  private final NodeConfig config;
  private final Supplier<String> nodeManagerAddress;
  private final String storeSocket;
  private final List<String> command;
  private final AotCache aotCache;
  private final JobFiles jobFiles;

  WorkerLauncher(NodeConfig config, Supplier<String> nodeManagerAddress, String storeSocket) {
    this.config = config;
    this.nodeManagerAddress = nodeManagerAddress;
    this.storeSocket = storeSocket;
    List<String> cmd = new ArrayList<>();
    cmd.add(config.javaExecutable().toString());
    cmd.addAll(config.jvmFlags());
    cmd.addAll(config.workerJvmOptions());
    cmd.addAll(config.workerExtraJvmOptions());
    cmd.add("-cp");
    cmd.add(config.classpath());
    cmd.add(config.workerMainClass());
    this.command = List.copyOf(cmd);
    this.aotCache = new AotCache(config);
    this.jobFiles =
        new JobFiles(
            config.spillDirectory().resolve("job-files-" + config.nodeId()),
            config.gcsAddress().orElse(""),
            config.token());
  }

  /** The node's cache of jobs' jars. */
  JobFiles jobFiles() {
    return jobFiles;
  }

  /**
   * The command line of a worker of a job or runtime environment: the runtime environment's JVM
   * options after the node's (so that the JVM takes them over the node's), the node's class path
   * with the job's jars and then the runtime environment's after it. Workers whose class path and
   * options are the node's (environment variables only) use the AOT cache; the others do not (it
   * was trained on the node's class path, and a cache made with other JVM options may be refused
   * or, with some GC or heap options, not used).
   */
  List<String> command(PoolKey key) {
    List<String> hashes = key.allJarHashes();
    if (hashes.isEmpty() && key.env().getJvmOptionsCount() == 0) {
      return command();
    }
    List<String> cmd = new ArrayList<>(command);
    int cpFlag = cmd.indexOf("-cp");
    cmd.addAll(cpFlag, key.env().getJvmOptionsList());
    int cp = cmd.indexOf("-cp") + 1;
    StringBuilder path = new StringBuilder(cmd.get(cp));
    for (java.nio.file.Path jar : jobFiles.paths(hashes)) {
      path.append(java.io.File.pathSeparatorChar).append(jar);
    }
    cmd.set(cp, path.toString());
    return cmd;
  }

  /**
   * The command line a worker is started with now: with the AOT cache once it is ready, else
   * without.
   */
  List<String> command() {
    return aotCache.ready().map(aotCache::command).orElse(command);
  }

  /** The workers' AOT cache. */
  AotCache aotCache() {
    return aotCache;
  }

  /** The variables the node manager sets for a worker (on top of its own environment). */
  Map<String, String> environment(WorkerHandle worker) {
    Map<String, String> env = new LinkedHashMap<>(config.workerEnvironment());
    // The runtime environment's variables first: Prism's own below win over them.
    env.putAll(worker.key.env().getEnvVarsMap());
    if (worker.key.hasRuntimeEnv()) {
      // Its tasks' nested tasks and actors inherit it.
      env.put(
          dev.prism.runtime.worker.RuntimeEnvs.ENV,
          dev.prism.runtime.worker.RuntimeEnvs.encode(worker.key.env()));
    }
    env.put(ENV_NODE_MANAGER_ADDRESS, nodeManagerAddress.get());
    env.put(ENV_GCS_ADDRESS, config.gcsAddress().orElse(""));
    env.put(ENV_NODE_ID, config.nodeId());
    env.put(ENV_WORKER_ID, worker.id);
    env.put(ENV_STORE_SOCKET, storeSocket);
    env.put(ENV_PARENT_PID, Long.toString(ProcessHandle.current().pid()));
    env.put(ENV_GPU_IDS, worker.gpus.indexList());
    env.put(ENV_CUDA_VISIBLE_DEVICES, worker.gpus.cudaVisibleDevices());
    env.put(ENV_BIND_HOST, config.host());
    if (worker.key.hasJobJars()) {
      env.put(dev.prism.runtime.job.JobManager.ENV_JOB_JARS, worker.key.jobJars());
    }
    env.put(ENV_CLUSTER_TOKEN, config.token().secret());
    // The node's TLS files, or none: a worker talks TLS exactly when its node does.
    TlsConfig.process().ifPresent(t -> env.putAll(t.environment()));
    return env;
  }

  /**
   * Starts the worker's process and its two output readers.
   *
   * @throws IOException if the process cannot be started
   */
  Process launch(WorkerHandle worker) throws IOException {
    // The first launch (the node is serving by then) starts looking for the cache, or training it.
    aotCache.start();
    ProcessBuilder pb = new ProcessBuilder(command(worker.key));
    pb.environment()
        .keySet()
        .removeAll(
            List.of(
                TlsConfig.ENV_CERT,
                TlsConfig.ENV_KEY,
                TlsConfig.ENV_CA,
                dev.prism.runtime.job.JobManager.ENV_JOB_JARS,
                dev.prism.runtime.worker.RuntimeEnvs.ENV));
    pb.environment().putAll(environment(worker));
    Process process = pb.start();
    long pid = process.pid();
    try {
      process.getOutputStream().close();
      worker.outputReaders =
          List.of(
              pump(worker, pid, process.getInputStream(), WorkerLogSink.Stream.STDOUT),
              pump(worker, pid, process.getErrorStream(), WorkerLogSink.Stream.STDERR));
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      // e.g. "unable to create native thread": a worker whose output nobody reads would block
      // once the pipe is full, so it does not run at all
      process.destroyForcibly();
      throw new IOException("could not start the output readers of pid " + pid + ": " + e, e);
    }
    return process;
  }

  private Thread pump(WorkerHandle worker, long pid, InputStream in, WorkerLogSink.Stream stream) {
    WorkerLogSink sink = config.logSink();
    String name = "prism-worker-" + pid + "-" + stream.name().toLowerCase(Locale.ROOT);
    // A platform thread, not a virtual one: a read blocked on a pipe holds its carrier, and a
    // thread dump of a node that stopped starting workers (2 cores, after a benchmark's task
    // metrics) showed every carrier held by idle workers' readers while the worker launches,
    // virtual threads too, waited for one: leases waited for their workers forever.
    return Thread.ofPlatform()
        .daemon()
        .name(name)
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  worker.recordOutput(line);
                  try {
                    sink.line(pid, stream, line);
                  } catch (RuntimeException | StackOverflowError e) {
                    // keep reading: a worker whose output is not read blocks once the pipe is full
                    LOG.warn("worker log sink failed on a line of pid {}", pid, e);
                  }
                }
              } catch (IOException e) {
                LOG.debug("stopped reading {} of worker pid {}: {}", stream, pid, e.toString());
              }
            });
  }
}
