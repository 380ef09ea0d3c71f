package dev.prism.runtime.worker;

import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.RegisterWorkerRequest;
import dev.prism.runtime.security.ClusterToken;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The entry point of a worker process. A node manager starts it with the environment below; the
 * worker starts its core worker, registers with the node manager, runs the tasks pushed to it, and
 * exits when asked to or when the process that started it dies.
 *
 * <ul>
 *   <li>{@code PRISM_NODE_MANAGER_ADDRESS}: host:port of the node manager
 *   <li>{@code PRISM_NODE_ID}, {@code PRISM_WORKER_ID}: the node's and this worker's ids
 *   <li>{@code PRISM_STORE_SOCKET}: the node's object store socket
 *   <li>{@code PRISM_PARENT_PID}: the node manager's process; this worker exits when it dies
 *   <li>{@code PRISM_GPU_IDS}: comma-separated GPU ids of this worker (optional)
 *   <li>{@code PRISM_BIND_HOST}: the host to serve on (optional, default 127.0.0.1)
 *   <li>{@code PRISM_GCS_ADDRESS}: host:port of the cluster's GCS (optional; actors need it)
 *   <li>{@code PRISM_CLUSTER_TOKEN}: the cluster token (required): this worker's server refuses
 *       calls without it, and its own calls carry it
 * </ul>
 */
public final class WorkerMain {

  /**
   * The argument of an AOT cache training run ({@link AotTraining}): the process exercises what a
   * worker loads at start-up on its own, without a node, and exits.
   */
  public static final String TRAIN_ARGUMENT = "--aot-train";

  /**
   * The argument of an AOT cache check: the process exits at once, so that a node manager can try a
   * cache with {@code -XX:AOTMode=on} (a JVM that cannot use it fails to start).
   */
  public static final String CHECK_ARGUMENT = "--aot-check";

  private WorkerMain() {}

  /**
   * Runs the worker.
   *
   * @param args none for a worker (workers are configured through the environment), or {@link
   *     #TRAIN_ARGUMENT} or {@link #CHECK_ARGUMENT}
   * @throws java.io.IOException if a training run cannot make or remove its directory
   */
  public static void main(String[] args) throws java.io.IOException {
    // Before any logger: no "no SLF4J providers" warnings when the user's class path has none.
    dev.prism.runtime.logging.FallbackLogging.installIfNoProvider();
    if (args.length == 1 && args[0].equals(CHECK_ARGUMENT)) {
      return;
    }
    if (args.length == 1 && args[0].equals(TRAIN_ARGUMENT)) {
      AotTraining.run();
      System.exit(0);
    }
    String nodeManager = required("PRISM_NODE_MANAGER_ADDRESS");
    String nodeId = required("PRISM_NODE_ID");
    String workerId = required("PRISM_WORKER_ID");
    String storeSocket = required("PRISM_STORE_SOCKET");
    String parent = System.getenv("PRISM_PARENT_PID");
    required(ClusterToken.ENV);
    ClusterToken token = ClusterToken.processDefault();
    String bindHost = System.getenv().getOrDefault("PRISM_BIND_HOST", "127.0.0.1");
    List<Integer> gpus = new ArrayList<>();
    String gpuIds = System.getenv("PRISM_GPU_IDS");
    if (gpuIds != null && !gpuIds.isBlank()) {
      for (String id : gpuIds.split(",")) {
        gpus.add(Integer.parseInt(id.trim()));
      }
    }
    CoreWorker worker =
        CoreWorker.start(
            new CoreWorker.Settings(
                CoreWorker.Mode.WORKER,
                workerId,
                nodeId,
                nodeManager,
                Path.of(storeSocket),
                bindHost,
                null,
                gpus,
                WorkerTuning.defaults(),
                System.getenv("PRISM_GCS_ADDRESS"),
                null,
                token));
    if (parent != null && !parent.isBlank()) {
      // The node manager (in an embedded cluster: the driver) is gone, maybe killed: nothing
      // can use this worker any more. The node's shared memory dies with it: remove its file
      // and socket, which a killed node manager could not (any of its workers may; all try).
      Path shm = worker.storeShmPath();
      Runnable orphaned =
          () -> {
            try {
              java.nio.file.Files.deleteIfExists(shm);
              java.nio.file.Files.deleteIfExists(Path.of(storeSocket));
            } catch (java.io.IOException | RuntimeException e) {
              // Best effort: the process ends either way.
            }
            Runtime.getRuntime().halt(0);
          };
      ProcessHandle.of(Long.parseLong(parent.trim()))
          .ifPresentOrElse(p -> p.onExit().thenRun(orphaned), orphaned);
    }
    int colon = nodeManager.lastIndexOf(':');
    ManagedChannel channel =
        Rpc.channel(
                nodeManager.substring(0, colon),
                Integer.parseInt(nodeManager.substring(colon + 1)),
                token)
            .build();
    try {
      NodeManagerServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .registerWorker(
              RegisterWorkerRequest.newBuilder()
                  .setWorkerId(workerId)
                  .setPid((int) ProcessHandle.current().pid())
                  .setAddress(worker.address())
                  .build());
    } catch (RuntimeException e) {
      System.err.println(
          "prism worker: cannot register with the node manager at " + nodeManager + ": " + e);
      Runtime.getRuntime().halt(3);
    } finally {
      channel.shutdownNow();
    }
    worker.exitRequested().join();
    worker.close();
    System.exit(0);
  }

  private static String required(String name) {
    String value = System.getenv(name);
    if (value == null || value.isBlank()) {
      System.err.println(
          "prism worker: environment variable "
              + name
              + " is missing; workers"
              + " are started by a node manager, not by hand");
      System.exit(2);
    }
    return value;
  }
}
