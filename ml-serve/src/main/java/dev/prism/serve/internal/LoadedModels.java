package dev.prism.serve.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The multiplexed models loaded in this replica process, as its model caches report them; the
 * replica passes them on to the controller, which tells routers where each model is loaded.
 */
public final class LoadedModels {

  private static final List<Supplier<Set<String>>> SOURCES = new CopyOnWriteArrayList<>();

  private LoadedModels() {}

  /**
   * Adds a source of loaded model ids (a model cache).
   *
   * @param source what it has loaded now
   */
  public static void register(Supplier<Set<String>> source) {
    SOURCES.add(source);
  }

  /**
   * The ids loaded now, over every source.
   *
   * @return the ids, sorted
   */
  public static List<String> ids() {
    java.util.TreeSet<String> all = new java.util.TreeSet<>();
    for (Supplier<Set<String>> s : SOURCES) {
      all.addAll(s.get());
    }
    return List.copyOf(all);
  }
}
