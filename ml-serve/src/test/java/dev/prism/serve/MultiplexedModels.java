package dev.prism.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test deployment that multiplexes models: a {@link ModelCache} of at most two models per
 * replica; every answer names the model it used, the replica, and the models loaded there.
 */
public class MultiplexedModels implements HttpHandler, AutoCloseable {

  /** A loaded "model". */
  public static final class Model implements AutoCloseable {
    private final String id;
    private final AtomicInteger closes;

    Model(String id, AtomicInteger closes) {
      this.id = id;
      this.closes = closes;
    }

    String id() {
      return id;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  private final ModelCache<Model> models;
  private final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
  private final AtomicInteger maxLoaded = new AtomicInteger();
  private final AtomicInteger closes = new AtomicInteger();
  private final String replicaId;

  /** Creates the replica's cache. */
  public MultiplexedModels() {
    this.models = new ModelCache<>(this::load, 2);
    this.replicaId = Echo.replica();
  }

  private Model load(String id) {
    if (id.equals("missing")) {
      throw new BadRequestException("no model " + id);
    }
    loads.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    Echo.sleep(50);
    return new Model(id, closes);
  }

  private Model model() {
    Model m = models.get();
    maxLoaded.accumulateAndGet(models.loadedIds().size(), Math::max);
    return m;
  }

  @Override
  public Object handle(HttpRequest request) {
    Model m = model();
    return Map.of("model", m.id(), "replica", replicaId, "loaded", List.copyOf(models.loadedIds()));
  }

  /**
   * Answers with the request's model.
   *
   * @param input anything
   * @return {@code model,replica,input}
   */
  public String predict(String input) {
    return model().id() + "," + replicaId + "," + input;
  }

  /**
   * What this replica holds: {@code replica}, {@code loaded} (ids), {@code loads} (per id), {@code
   * closes} and {@code maxLoaded} (the most models it held at once, seen after each get).
   *
   * @return the state
   */
  public Map<String, Object> state() {
    Map<String, Object> s = new HashMap<>();
    s.put("replica", replicaId);
    s.put("loaded", new ArrayList<>(models.loadedIds()));
    Map<String, Integer> l = new HashMap<>();
    loads.forEach((k, v) -> l.put(k, v.get()));
    s.put("loads", l);
    s.put("closes", closes.get());
    s.put("maxLoaded", maxLoaded.get());
    return s;
  }

  @Override
  public void close() {
    models.close();
  }
}
