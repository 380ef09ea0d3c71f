package dev.prism.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.prism.Prism;
import dev.prism.collective.Communicator;
import dev.prism.collective.ReduceOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * What a training function knows about its rank, and how it talks to the other ranks and to the
 * driver: as Ray Train's {@code train.get_context()} plus {@code train.report}. One per worker,
 * made by the trainer.
 *
 * <p>A data-parallel step with DJL:
 *
 * <pre>{@code
 * try (GradientCollector gc = trainer.newGradientCollector()) {
 *   NDArray loss = trainer.getLoss().evaluate(labels, trainer.forward(inputs));
 *   gc.backward(loss);
 * }
 * context.allreduceGradients(trainer);   // mean of every rank's gradients
 * trainer.step();                        // the same update on every rank
 * }</pre>
 */
public final class TrainContext {
  private final WorkerSpec spec;
  private final Communicator comm;
  private final Consumer<TrainReport> reports;
  private final ReportCounter counter;
  private final Map<String, DatasetShard> shards = new LinkedHashMap<>();
  private final Arena gradientArena = Arena.ofShared();
  private MemorySegment gradients;

  /** Numbers reports; shared with the worker so the driver learns how many were made. */
  static final class ReportCounter {
    int next;

    ReportCounter(int next) {
      this.next = next;
    }
  }

  TrainContext(
      WorkerSpec spec, Communicator comm, ReportCounter counter, Consumer<TrainReport> reports) {
    this.spec = spec;
    this.comm = comm;
    this.counter = counter;
    this.reports = reports;
  }

  /**
   * The number of ranks.
   *
   * @return the world size
   */
  public int worldSize() {
    return spec.worldSize();
  }

  /**
   * This worker's rank, 0 to {@code worldSize() - 1}.
   *
   * @return the rank
   */
  public int worldRank() {
    return spec.rank();
  }

  /**
   * This worker's rank among the workers of its node.
   *
   * @return the local rank
   */
  public int localRank() {
    return spec.localRank();
  }

  /**
   * The number of workers on this worker's node.
   *
   * @return the local world size
   */
  public int localWorldSize() {
    return spec.localWorldSize();
  }

  /**
   * The index of this worker's node among the run's nodes.
   *
   * @return the node rank
   */
  public int nodeRank() {
    return spec.nodeRank();
  }

  /**
   * The device to train on: this worker's own GPU with {@code useGpu}, else the CPU.
   *
   * @return the DJL device
   */
  public Device device() {
    if (spec.useGpu() && !Prism.runtimeContext().gpuIds().isEmpty()) {
      // The worker sees only its own GPUs (CUDA_VISIBLE_DEVICES): the first is device 0.
      return Device.gpu(0);
    }
    return Device.cpu();
  }

  /**
   * The run's name.
   *
   * @return the name
   */
  public String runName() {
    return spec.runName();
  }

  /**
   * The run's directory under the storage path.
   *
   * @return the directory
   */
  public Path runDirectory() {
    return Path.of(spec.runDirectory());
  }

  /**
   * The config map given to the trainer, the same on every rank.
   *
   * @return the config
   */
  public Map<String, Object> config() {
    return spec.config();
  }

  /**
   * A config value, or a default when absent.
   *
   * @param key the key
   * @param defaultValue the default
   * @param <T> its type
   * @return the value
   */
  @SuppressWarnings("unchecked")
  public <T> T config(String key, T defaultValue) {
    Object v = spec.config().get(key);
    return v == null ? defaultValue : (T) v;
  }

  /**
   * The checkpoint to resume from: the latest one of this run (from before a restart, or from an
   * earlier {@code fit()} with the same name and storage path), or empty on a fresh start.
   *
   * @return the checkpoint, to read only
   */
  public Optional<Checkpoint> checkpoint() {
    return Optional.ofNullable(spec.resumeFrom()).map(p -> new Checkpoint(Path.of(p)));
  }

  /**
   * This rank's view of a data set given to the trainer, read in place from the object store.
   *
   * @param name the data set's name, as given to the trainer
   * @return the shard (closed with the context)
   * @throws IllegalArgumentException if the trainer has no data set of that name
   */
  public DatasetShard datasetShard(String name) {
    DatasetShard shard = shards.get(name);
    if (shard != null) {
      return shard;
    }
    Dataset d = spec.datasets().get(name);
    if (d == null) {
      throw new IllegalArgumentException(
          "no dataset '" + name + "'; the trainer was given " + spec.datasets().keySet());
    }
    VectorSchemaRoot root = Prism.get(d.table());
    shard = new DatasetShard(root, spec.rank(), spec.worldSize(), spec.seed());
    shards.put(name, shard);
    return shard;
  }

  /**
   * The communicator of the run's ranks, for collective operations of the function's own.
   *
   * @return the communicator
   */
  public Communicator communicator() {
    return comm;
  }

  /**
   * Replaces every trainable parameter's gradient with its mean over all ranks (one allreduce of
   * all gradients together). Call it between the backward pass and {@code trainer.step()}.
   *
   * @param trainer the DJL trainer
   */
  public void allreduceGradients(Trainer trainer) {
    allreduceGradients(trainer.getModel().getBlock());
  }

  /**
   * Replaces every trainable parameter's gradient of {@code block} with its mean over all ranks.
   *
   * @param block the model's block
   */
  public void allreduceGradients(Block block) {
    if (spec.worldSize() == 1) {
      return;
    }
    List<NDArray> grads = new ArrayList<>();
    long total = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter param = p.getValue();
      if (param.requiresGradient() && param.getArray().hasGradient()) {
        NDArray g = param.getArray().getGradient();
        if (g.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
          throw new IllegalArgumentException(
              "gradient of parameter '"
                  + p.getKey()
                  + "' is "
                  + g.getDataType()
                  + "; FLOAT32 only");
        }
        grads.add(g);
        total += g.size() * 4;
      }
    }
    if (gradients == null || gradients.byteSize() < total) {
      gradients = gradientArena.allocate(Math.max(total, 64), 64);
    }
    // One copy out of each tensor, one allreduce of all of them, one copy back into each.
    long off = 0;
    for (NDArray g : grads) {
      ByteBuffer bytes = g.toByteBuffer();
      long n = bytes.remaining();
      MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, gradients, off, n);
      off += n;
    }
    MemorySegment all = gradients.asSlice(0, total);
    comm.allreduce(all, dev.prism.collective.DataType.FLOAT32, ReduceOp.MEAN);
    off = 0;
    for (NDArray g : grads) {
      long n = g.size() * 4;
      g.set(all.asSlice(off, n).asByteBuffer().order(ByteOrder.nativeOrder()));
      off += n;
    }
  }

  /**
   * Copies rank 0's parameters to every rank, so all start from the same model (call it once, after
   * initializing or loading the model).
   *
   * @param block the model's block
   */
  public void broadcastParameters(Block block) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray value = p.getValue().getArray();
      float[] a = value.toFloatArray();
      comm.broadcast(a, 0);
      value.set(a);
    }
  }

  /**
   * Reports metrics: waits until every rank reports (a barrier, as in Ray), then rank 0's metrics
   * go to the driver.
   *
   * @param metrics numbers and strings by name
   */
  public void report(Map<String, ?> metrics) {
    report(metrics, null);
  }

  /**
   * Reports metrics with a checkpoint: waits until every rank reports; rank 0's checkpoint is kept
   * under the run's storage path (the others' are deleted) and its metrics go to the driver.
   *
   * @param metrics numbers and strings by name
   * @param checkpoint the checkpoint written by this rank, or null
   */
  public void report(Map<String, ?> metrics, Checkpoint checkpoint) {
    Objects.requireNonNull(metrics, "metrics");
    Map<String, Object> copy = new LinkedHashMap<>();
    metrics.forEach(
        (k, v) -> {
          if (!(v instanceof Number || v instanceof String || v instanceof Boolean)) {
            throw new IllegalArgumentException(
                "metric '" + k + "' is " + v + "; report numbers, strings or booleans");
          }
          copy.put(k, v);
        });
    comm.barrier();
    int iteration = ++counter.next;
    String kept = null;
    if (checkpoint != null) {
      if (spec.rank() == 0) {
        kept = CheckpointStore.persist(runDirectory(), iteration, checkpoint, copy).toString();
      } else {
        CheckpointStore.deleteTree(checkpoint.path());
      }
    }
    if (spec.rank() == 0) {
      reports.accept(new TrainReport(iteration, copy, kept, System.currentTimeMillis()));
    }
  }

  void closeShards() {
    shards.values().forEach(DatasetShard::close);
    shards.clear();
    gradientArena.close();
  }
}
