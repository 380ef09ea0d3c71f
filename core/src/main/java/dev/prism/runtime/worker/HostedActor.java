package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.ConcurrencyGroup;
import dev.prism.runtime.rpc.ConcurrencyGroupProto;
import dev.prism.runtime.rpc.TaskSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The actor a worker hosts: its instance, and how many of its calls may run at once. Without named
 * concurrency groups, one call at a time runs on the executor's thread, in arrival order; more run
 * on virtual threads. With named groups, every group (the default one too) has its own {@link
 * CallGroup}, and the executor's thread only routes calls to them.
 */
final class HostedActor {
  final ByteString actorId;
  final String display;
  final Object instance;
  final int maxConcurrency;
  final String namespace;

  /**
   * One permit per call that may run (or, for async methods, be pending) at once; null when the
   * actor has named groups (each group has its own).
   */
  final Semaphore permits;

  /**
   * Where concurrent calls run; null when calls run one at a time on the executor thread, or the
   * actor has named groups.
   */
  final ExecutorService pool;

  /** Every group by name, the default one included; empty when the actor has no named groups. */
  final Map<String, CallGroup<TaskExecutor.Work>> groups;

  /** The group of each method in a named group (or annotated for the default one), by key. */
  private final Map<String, String> methodGroups;

  HostedActor(
      ByteString actorId,
      String display,
      Object instance,
      int maxConcurrency,
      String namespace,
      List<ConcurrencyGroupProto> namedGroups,
      Map<String, String> methodGroups) {
    this.actorId = actorId;
    this.display = display;
    this.instance = instance;
    this.maxConcurrency = maxConcurrency;
    this.namespace = namespace;
    this.methodGroups = Map.copyOf(methodGroups);
    if (namedGroups.isEmpty()) {
      this.groups = Map.of();
      this.permits = new Semaphore(maxConcurrency);
      this.pool =
          maxConcurrency > 1
              ? Executors.newThreadPerTaskExecutor(
                  Thread.ofVirtual().name("prism-actor-", 0).factory())
              : null;
    } else {
      Map<String, CallGroup<TaskExecutor.Work>> all = new LinkedHashMap<>();
      all.put(ConcurrencyGroup.DEFAULT, new CallGroup<>(ConcurrencyGroup.DEFAULT, maxConcurrency));
      for (ConcurrencyGroupProto g : namedGroups) {
        all.put(g.getName(), new CallGroup<>(g.getName(), Math.max(1, g.getMaxConcurrency())));
      }
      this.groups = java.util.Collections.unmodifiableMap(all);
      this.permits = null;
      this.pool = null;
    }
  }

  /** Whether calls are routed to groups (the actor declared named groups). */
  boolean hasGroups() {
    return !groups.isEmpty();
  }

  /**
   * Why a call cannot run here: it names a concurrency group this actor does not declare; null when
   * it can.
   */
  String unknownGroup(TaskSpec spec) {
    String name = spec.getConcurrencyGroup();
    if (name.isEmpty() || name.equals(ConcurrencyGroup.DEFAULT) || groups.containsKey(name)) {
      return null;
    }
    return "actor "
        + display
        + " has no concurrency group \""
        + name
        + "\" ("
        + (groups.isEmpty()
            ? "it declares none"
            : "it declares "
                + groups.keySet().stream()
                    .filter(g -> !g.equals(ConcurrencyGroup.DEFAULT))
                    .toList())
        + "): name a group declared at its creation, or \""
        + ConcurrencyGroup.DEFAULT
        + "\"";
  }

  /**
   * The group a call runs in (only for an actor with named groups, after {@link #unknownGroup}).
   */
  CallGroup<TaskExecutor.Work> groupOf(TaskSpec spec) {
    String name = spec.getConcurrencyGroup();
    if (name.isEmpty()) {
      name =
          methodGroups.getOrDefault(
              ConcurrencyGroups.key(spec.getFunction()), ConcurrencyGroup.DEFAULT);
    }
    return groups.get(name);
  }

  void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    for (CallGroup<?> g : groups.values()) {
      g.close();
    }
  }
}
