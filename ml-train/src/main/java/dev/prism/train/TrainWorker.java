package dev.prism.train;

import dev.prism.Prism;
import dev.prism.collective.Communicator;
import dev.prism.collective.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The actor that hosts one rank of a training run (started by {@link DataParallelTrainer}; public
 * only because actors are created by method reference). It runs the training function on one thread
 * while answering the driver's {@link #drain} calls on another.
 */
public final class TrainWorker {
  private final ConcurrentLinkedQueue<TrainReport> reports = new ConcurrentLinkedQueue<>();
  private volatile Endpoint endpoint;

  /**
   * Creates an idle worker.
   *
   * @param torchThreads the PyTorch threads to use (its intra- and inter-op pools)
   */
  public TrainWorker(Integer torchThreads) {
    String n = Integer.toString(Math.max(1, torchThreads));
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", n);
    }
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", n);
    }
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // DJL probes CUDA through its own loader and warns twice per process when there is no GPU;
    // the trainer already knows (ScalingConfig.useGpu), so that probe's warning is noise here.
    String cudaLog = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";
    if (System.getProperty(cudaLog) == null) {
      System.setProperty(cudaLog, "error");
    }
  }

  /**
   * Opens this rank's collective endpoint.
   *
   * @return "nodeId host:port"
   */
  public String listen() {
    endpoint = Endpoint.open();
    return Prism.runtimeContext().nodeId() + " " + endpoint.address();
  }

  /**
   * Forms the group and runs the training function.
   *
   * @param spec what this rank does
   * @return the number of reports made by the end (on rank 0)
   * @throws Exception what the training function threw
   */
  public Integer run(WorkerSpec spec) throws Exception {
    return runWith(spec, reports::add);
  }

  /** Closes the endpoint {@link #listen} opened (when the worker lives in the caller's process). */
  void closeEndpoint() {
    Endpoint e = endpoint;
    endpoint = null;
    if (e != null) {
      e.close();
    }
  }

  /** Runs the function with its reports handed to {@code sink} (in the caller's process). */
  Integer runWith(WorkerSpec spec, java.util.function.Consumer<TrainReport> sink) throws Exception {
    Endpoint e = endpoint;
    if (e == null) {
      throw new IllegalStateException("run before listen");
    }
    TrainContext.ReportCounter counter = new TrainContext.ReportCounter(spec.firstReport());
    try (Communicator comm =
        e.connect(spec.rank(), spec.addresses(), Duration.ofMillis(spec.timeoutMillis()))) {
      TrainContext ctx = new TrainContext(spec, comm, counter, sink);
      try {
        spec.loop().train(ctx);
      } finally {
        ctx.closeShards();
      }
    }
    return counter.next;
  }

  /**
   * Hands over the reports made since the last call.
   *
   * @return the reports, oldest first
   */
  public List<TrainReport> drain() {
    List<TrainReport> out = new ArrayList<>();
    TrainReport r;
    while ((r = reports.poll()) != null) {
      out.add(r);
    }
    return out;
  }

  /**
   * This worker's process id.
   *
   * @return the pid
   */
  public Long pid() {
    return ProcessHandle.current().pid();
  }
}
