package dev.prism.serve;

import dev.prism.serve.internal.LoadedModels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model multiplexing inside a replica (Ray Serve's {@code @serve.multiplexed} with {@code
 * get_multiplexed_model_id()}): a field of a deployment class that loads models by id on demand and
 * keeps the {@code maxModels} most recently used of them. The replica reports the ids it holds to
 * Serve's controller, so routers send a request for a model to a replica that has it loaded when
 * there is one (a second or so after it was loaded). A request names its model by the {@code
 * serve_multiplexed_model_id} HTTP header or through {@link DeploymentHandle#withModelId}.
 *
 * <pre>{@code
 * public class Models implements HttpHandler {
 *   private final ModelCache<Model> models = new ModelCache<>(Model::load, 3);
 *   public Object handle(HttpRequest r) { return models.get().predict(r.json(float[].class)); }
 * }
 * }</pre>
 *
 * <p>Concurrent requests for a model that is not loaded yet wait for one load. A load that fails is
 * not kept: the requests waiting for it fail, and the next request tries again. Loading a new model
 * when the cache is full first evicts the least recently used one, calling its {@link
 * AutoCloseable#close()} when it has one; a request that still uses an evicted model then holds a
 * closed model, so give {@code maxModels} at least the number of models the replica's concurrent
 * requests use at once.
 *
 * @param <M> the model's type
 */
public final class ModelCache<M> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);

  /**
   * Loads one model.
   *
   * @param <M> the model's type
   */
  @FunctionalInterface
  public interface Loader<M> {
    /**
     * Loads a model.
     *
     * @param modelId its id
     * @return the model, not null
     * @throws Exception when it cannot be loaded (a {@link BadRequestException} for an unknown id
     *     answers 400 over HTTP)
     */
    M load(String modelId) throws Exception;
  }

  private final Loader<M> loader;
  private final int maxModels;
  private final Object lock = new Object();

  /** The loaded models, least recently used first. */
  private final LinkedHashMap<String, M> models = new LinkedHashMap<>(16, 0.75f, true);

  /** Loads in progress, by id. */
  private final Map<String, CompletableFuture<M>> loading = new HashMap<>();

  private boolean closed;

  /**
   * Creates a cache and registers it with the replica, which reports its ids to the controller.
   *
   * @param loader loads a model by id
   * @param maxModels the most models kept at once (Ray's {@code max_num_models_per_replica}), 1 or
   *     more
   * @throws IllegalArgumentException when {@code maxModels} is below 1
   */
  public ModelCache(Loader<M> loader, int maxModels) {
    this.loader = Objects.requireNonNull(loader, "loader");
    if (maxModels < 1) {
      throw new IllegalArgumentException("maxModels is " + maxModels + "; it must be >= 1");
    }
    this.maxModels = maxModels;
    LoadedModels.register(this::loadedIds);
  }

  /**
   * The model the current request asks for ({@link ReplicaContext#modelId()}), loaded if needed.
   * Call it on the thread that runs the request (not from a {@link Batcher}'s batch function).
   *
   * @return the model
   * @throws BadRequestException when the request names no model (the proxy answers 400)
   * @throws ServeException when the model fails to load with a checked exception (a runtime
   *     exception of the loader is thrown as it is)
   */
  public M get() {
    String id = ReplicaContext.current().map(ReplicaContext::modelId).orElse("");
    if (id.isEmpty()) {
      throw new BadRequestException(
          "this request names no model: send the "
              + "serve_multiplexed_model_id header, or call through"
              + " DeploymentHandle.withModelId(id)");
    }
    return get(id);
  }

  /**
   * A model by id, loaded if needed; it becomes the most recently used.
   *
   * @param modelId the id, not empty
   * @return the model
   * @throws IllegalArgumentException when the id is empty
   * @throws ServeException when the model fails to load with a checked exception, or the cache is
   *     closed (a runtime exception of the loader is thrown as it is)
   */
  public M get(String modelId) {
    if (Objects.requireNonNull(modelId, "modelId").isEmpty()) {
      throw new IllegalArgumentException("the model id is empty");
    }
    CompletableFuture<M> pending;
    boolean mine = false;
    List<Map.Entry<String, M>> evicted = List.of();
    synchronized (lock) {
      if (closed) {
        throw new ServeException("the model cache is closed");
      }
      M m = models.get(modelId);
      if (m != null) {
        return m;
      }
      pending = loading.get(modelId);
      if (pending == null) {
        pending = new CompletableFuture<>();
        loading.put(modelId, pending);
        mine = true;
        // Make room before loading, so the new model never shares memory with one too many.
        evicted = evict(maxModels - loading.size());
      }
    }
    if (!mine) {
      return await(modelId, pending);
    }
    closeAll(evicted);
    return load(modelId, pending);
  }

  private M load(String modelId, CompletableFuture<M> pending) {
    M m;
    try {
      m = loader.load(modelId);
      if (m == null) {
        throw new ServeException("the loader returned null for model " + modelId);
      }
    } catch (Exception | Error e) {
      synchronized (lock) {
        loading.remove(modelId);
      }
      pending.completeExceptionally(e);
      throw rethrow(modelId, e);
    }
    List<Map.Entry<String, M>> evicted;
    boolean keep;
    synchronized (lock) {
      loading.remove(modelId);
      keep = !closed;
      if (keep) {
        models.put(modelId, m);
        // More loads than room ran at once: the bound still holds once this one is in.
        evicted = evict(maxModels);
      } else {
        evicted = List.of();
      }
    }
    closeAll(evicted);
    if (!keep) {
      closeQuietly(modelId, m);
      ServeException e =
          new ServeException("the model cache was closed while model " + modelId + " loaded");
      pending.completeExceptionally(e);
      throw e;
    }
    pending.complete(m);
    return m;
  }

  private M await(String modelId, CompletableFuture<M> pending) {
    try {
      return pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted while model " + modelId + " loaded", e);
    } catch (ExecutionException e) {
      throw rethrow(modelId, e.getCause());
    }
  }

  private static RuntimeException rethrow(String modelId, Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new ServeException("model " + modelId + " failed to load: " + t, t);
  }

  /** Removes the least recently used models until at most {@code keep} are loaded. */
  private List<Map.Entry<String, M>> evict(int keep) {
    List<Map.Entry<String, M>> out = new ArrayList<>();
    Iterator<Map.Entry<String, M>> it = models.entrySet().iterator();
    while (models.size() > Math.max(0, keep) && it.hasNext()) {
      Map.Entry<String, M> e = it.next();
      out.add(Map.entry(e.getKey(), e.getValue()));
      it.remove();
    }
    return out;
  }

  private static <M> void closeAll(List<Map.Entry<String, M>> evicted) {
    for (Map.Entry<String, M> e : evicted) {
      LOG.debug("model cache unloads model {}", e.getKey());
      closeQuietly(e.getKey(), e.getValue());
    }
  }

  private static void closeQuietly(String modelId, Object m) {
    if (m instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing model {} failed", modelId, e);
      }
    }
  }

  /**
   * The ids of the models loaded now, least recently used first.
   *
   * @return them (a copy)
   */
  public Set<String> loadedIds() {
    synchronized (lock) {
      return Collections.unmodifiableSet(new LinkedHashSet<>(models.keySet()));
    }
  }

  /**
   * The most models kept at once.
   *
   * @return it
   */
  public int maxModels() {
    return maxModels;
  }

  /**
   * Unloads every model (closing those that are {@link AutoCloseable}); later calls of {@link #get}
   * fail. Call it from the deployment's own {@code close()}.
   */
  @Override
  public void close() {
    List<Map.Entry<String, M>> all;
    synchronized (lock) {
      closed = true;
      all = evict(0);
    }
    closeAll(all);
  }
}
