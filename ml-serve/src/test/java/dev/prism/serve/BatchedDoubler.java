package dev.prism.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test deployment that batches: each HTTP request {@code ?x=N} joins a {@link Batcher} batch that
 * doubles every input; the sizes of the batches it ran can be read (and reset) through a handle;
 * the user config {@code maxBatchSize} changes the batch bound in place.
 */
public class BatchedDoubler implements HttpHandler, Reconfigurable, AutoCloseable {

  private final Batcher<Integer, Integer> batcher;
  private final List<Integer> sizes = new CopyOnWriteArrayList<>();
  private final String replicaId;

  /**
   * Creates the replica's batcher.
   *
   * @param maxBatchSize the largest batch
   * @param maxWaitMillis how long a batch may wait to fill
   */
  public BatchedDoubler(int maxBatchSize, long maxWaitMillis) {
    this.batcher = new Batcher<>(this::doubleAll, maxBatchSize, Duration.ofMillis(maxWaitMillis));
    this.replicaId = Echo.replica();
  }

  private List<Integer> doubleAll(List<Integer> xs) {
    sizes.add(xs.size());
    // One "forward pass": while it runs, the next batch gathers.
    Echo.sleep(20);
    List<Integer> out = new ArrayList<>(xs.size());
    for (int x : xs) {
      out.add(2 * x);
    }
    return out;
  }

  @Override
  public CompletionStage<Map<String, Object>> handle(HttpRequest request) {
    String x = request.query().get("x");
    if (x == null) {
      throw new BadRequestException("give ?x=N");
    }
    int in = Integer.parseInt(x);
    return batcher
        .submit(in)
        .thenApply(out -> Map.<String, Object>of("in", in, "out", out, "replica", replicaId));
  }

  @Override
  public void reconfigure(Map<String, Object> userConfig) {
    Object size = userConfig.get("maxBatchSize");
    if (size != null) {
      // Taking a new config may take a while (reloading weights, say).
      Echo.sleep(500);
      batcher.setMaxBatchSize(((Number) size).intValue());
    }
  }

  /**
   * The sizes of the batches run since the last reset.
   *
   * @return them, in order
   */
  public List<Integer> batchSizes() {
    return new ArrayList<>(sizes);
  }

  /**
   * Forgets the batch sizes seen so far.
   *
   * @return true
   */
  public Boolean resetBatchSizes() {
    sizes.clear();
    return true;
  }

  /**
   * The batcher's bound now.
   *
   * @return it
   */
  public Integer maxBatchSize() {
    return batcher.maxBatchSize();
  }

  /**
   * This replica's id.
   *
   * @return it
   */
  public String replicaId() {
    return replicaId;
  }

  @Override
  public void close() {
    batcher.close();
  }
}
