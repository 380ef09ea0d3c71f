package dev.prism.benchmarks.micro;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The actor metrics of {@code ray microbenchmark} (ray_perf.py), with Ray's call shapes: the same
 * actor classes (a plain actor holding no CPU, an async actor, a client actor that calls servers),
 * the same counts and multipliers. {@code nCpu} is half the machine's CPUs, as in Ray. "n:n actor
 * calls with arg async (by reference)" is that metric with an argument that stays in the
 * shared-memory store, as Ray's {@code ray.put(0)} does: Prism inlines a small value into each
 * call.
 */
final class ActorMetrics {

  private ActorMetrics() {}

  private static final byte[] OK = {'o', 'k'};

  /** Ray's {@code Actor}. */
  public static final class Actor {
    public Actor() {}

    public byte[] smallValue() {
      return OK;
    }

    public byte[] smallValueArg(int x) {
      return OK;
    }

    /** The by-reference variant: the argument is read from the shared-memory store. */
    public byte[] smallValueArgStored(VectorSchemaRoot x) {
      return OK;
    }

    /** As a client of tasks: Ray's "multi client tasks async". */
    public int smallValueBatch(int n) {
      return Microbenchmark.smallValueBatch(n);
    }
  }

  /** Ray's {@code AsyncActor}. */
  public static final class AsyncActor {
    public AsyncActor() {}

    public CompletableFuture<byte[]> smallValue() {
      return CompletableFuture.completedFuture(OK);
    }

    public CompletableFuture<byte[]> smallValueWithArg(int x) {
      return CompletableFuture.completedFuture(OK);
    }
  }

  /** Ray's {@code Client}, for plain actors. */
  public static final class Client {
    private final List<ActorHandle<Actor>> servers;

    public Client(List<ActorHandle<Actor>> servers) {
      this.servers = servers;
    }

    public int smallValueBatch(int n) {
      List<ObjectRef<byte[]>> results = new ArrayList<>(n * servers.size());
      for (ActorHandle<Actor> s : servers) {
        for (int i = 0; i < n; i++) {
          results.add(s.task(Actor::smallValue).remote());
        }
      }
      Prism.get(results);
      return 0;
    }

    public int smallValueBatchArg(int n) {
      ObjectRef<Integer> x = Prism.put(0);
      List<ObjectRef<byte[]>> results = new ArrayList<>(n * servers.size());
      for (ActorHandle<Actor> s : servers) {
        for (int i = 0; i < n; i++) {
          results.add(s.task(Actor::smallValueArg, x).remote());
        }
      }
      Prism.get(results);
      return 0;
    }

    /**
     * {@link #smallValueBatchArg} with the argument passed by reference: a value in the
     * shared-memory store, which Prism passes as a ref that every call resolves, where a small
     * value in the caller's heap is copied into each call.
     */
    public int smallValueBatchArgByReference(int n) {
      ObjectRef<VectorSchemaRoot> x;
      try (VectorSchemaRoot zero = StoreValues.zero()) {
        x = Prism.put(zero);
      }
      List<ObjectRef<byte[]>> results = new ArrayList<>(n * servers.size());
      for (ActorHandle<Actor> s : servers) {
        for (int i = 0; i < n; i++) {
          results.add(s.task(Actor::smallValueArgStored, x).remote());
        }
      }
      Prism.get(results);
      return 0;
    }
  }

  /** Ray's {@code Client}, for async actors. */
  public static final class AsyncClient {
    private final List<ActorHandle<AsyncActor>> servers;

    public AsyncClient(List<ActorHandle<AsyncActor>> servers) {
      this.servers = servers;
    }

    public int smallValueBatch(int n) {
      List<ObjectRef<byte[]>> results = new ArrayList<>(n * servers.size());
      for (ActorHandle<AsyncActor> s : servers) {
        for (int i = 0; i < n; i++) {
          results.add(s.taskAsync(AsyncActor::smallValue).remote());
        }
      }
      Prism.get(results);
      return 0;
    }
  }

  /** Ray's {@code work} task of "n:n actor calls async". */
  static int work(List<ActorHandle<Actor>> actors, int n) {
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(actors.get(i % actors.size()).task(Actor::smallValue).remote());
    }
    Prism.get(refs);
    return 0;
  }

  /** Ray's {@code async_actor_work} task of "n:n async-actor calls async". */
  static int asyncWork(List<ActorHandle<AsyncActor>> actors, int n) {
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(actors.get(i % actors.size()).taskAsync(AsyncActor::smallValue).remote());
    }
    Prism.get(refs);
    return 0;
  }

  private static <T> void batch(
      List<ObjectRef<T>> refs, int count, java.util.function.IntFunction<ObjectRef<T>> call) {
    refs.clear();
    for (int i = 0; i < count; i++) {
      refs.add(call.apply(i));
    }
    Prism.get(refs);
  }

  static List<ActorHandle<Actor>> actors(int count) {
    List<ActorHandle<Actor>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(Prism.actor(Actor::new).remote());
    }
    return out;
  }

  static List<ActorHandle<AsyncActor>> asyncActors(int count) {
    List<ActorHandle<AsyncActor>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(Prism.actor(AsyncActor::new).remote());
    }
    return out;
  }

  /** Kills the actors a metric made, so the next metric has the machine to itself. */
  private static void kill(List<? extends ActorHandle<?>> handles) {
    for (ActorHandle<?> h : handles) {
      h.kill();
    }
  }

  static void run(Timeit t) throws Exception {
    int nCpu = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    List<ObjectRef<byte[]>> refs = new ArrayList<>(1000);

    if (t.selected("multi client tasks async")) {
      int n = 10_000;
      int m = 4;
      List<ActorHandle<Actor>> clients = actors(m);
      t.run(
          "multi client tasks async",
          () -> {
            List<ObjectRef<Integer>> submitted = new ArrayList<>(m);
            for (ActorHandle<Actor> a : clients) {
              submitted.add(a.task(Actor::smallValueBatch, n).remote());
            }
            Prism.get(submitted);
          },
          n * m);
      kill(clients);
    }
    if (t.selected("1:1 actor calls sync")) {
      ActorHandle<Actor> a = Prism.actor(Actor::new).remote();
      t.run("1:1 actor calls sync", () -> Prism.get(a.task(Actor::smallValue).remote()));
      a.kill();
    }
    if (t.selected("1:1 actor calls async")) {
      ActorHandle<Actor> a = Prism.actor(Actor::new).remote();
      t.run(
          "1:1 actor calls async",
          () -> batch(refs, 1000, i -> a.task(Actor::smallValue).remote()),
          1000);
      a.kill();
    }
    if (t.selected("1:1 actor calls concurrent")) {
      ActorHandle<Actor> a = Prism.actor(Actor::new).setMaxConcurrency(16).remote();
      t.run(
          "1:1 actor calls concurrent",
          () -> batch(refs, 1000, i -> a.task(Actor::smallValue).remote()),
          1000);
      a.kill();
    }
    if (t.selected("1:n actor calls async")) {
      int n = 5000;
      List<ActorHandle<Actor>> servers = actors(nCpu);
      ActorHandle<Client> client = Prism.actor(Client::new, servers).remote();
      t.run(
          "1:n actor calls async",
          () -> Prism.get(client.task(Client::smallValueBatch, n).remote()),
          n * servers.size());
      client.kill();
      kill(servers);
    }
    if (t.selected("n:n actor calls async")) {
      int n = 5000;
      int m = 4;
      List<ActorHandle<Actor>> servers = actors(nCpu);
      t.run(
          "n:n actor calls async",
          () -> {
            List<ObjectRef<Integer>> works = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
              works.add(Prism.task(ActorMetrics::work, servers, n).remote());
            }
            Prism.get(works);
          },
          m * n);
      kill(servers);
    }
    if (t.selected("n:n actor calls with arg async")
        || t.selected("n:n actor calls with arg async (by reference)")) {
      int n = 1000;
      List<ActorHandle<Actor>> servers = actors(nCpu);
      List<ActorHandle<Client>> clients = new ArrayList<>();
      for (ActorHandle<Actor> s : servers) {
        clients.add(Prism.actor(Client::new, List.of(s)).remote());
      }
      t.run(
          "n:n actor calls with arg async",
          () -> {
            List<ObjectRef<Integer>> done = new ArrayList<>();
            for (ActorHandle<Client> c : clients) {
              done.add(c.task(Client::smallValueBatchArg, n).remote());
            }
            Prism.get(done);
          },
          n * clients.size());
      t.run(
          "n:n actor calls with arg async (by reference)",
          () -> {
            List<ObjectRef<Integer>> done = new ArrayList<>();
            for (ActorHandle<Client> c : clients) {
              done.add(c.task(Client::smallValueBatchArgByReference, n).remote());
            }
            Prism.get(done);
          },
          n * clients.size());
      kill(clients);
      kill(servers);
    }
    if (t.selected("1:1 async-actor calls sync")) {
      ActorHandle<AsyncActor> a = Prism.actor(AsyncActor::new).remote();
      t.run(
          "1:1 async-actor calls sync",
          () -> Prism.get(a.taskAsync(AsyncActor::smallValue).remote()));
      a.kill();
    }
    if (t.selected("1:1 async-actor calls async")) {
      ActorHandle<AsyncActor> a = Prism.actor(AsyncActor::new).remote();
      t.run(
          "1:1 async-actor calls async",
          () -> batch(refs, 1000, i -> a.taskAsync(AsyncActor::smallValue).remote()),
          1000);
      a.kill();
    }
    if (t.selected("1:1 async-actor calls with args async")) {
      ActorHandle<AsyncActor> a = Prism.actor(AsyncActor::new).remote();
      t.run(
          "1:1 async-actor calls with args async",
          () -> batch(refs, 1000, i -> a.taskAsync(AsyncActor::smallValueWithArg, i).remote()),
          1000);
      a.kill();
    }
    if (t.selected("1:n async-actor calls async")) {
      int n = 5000;
      List<ActorHandle<AsyncActor>> servers = asyncActors(nCpu);
      ActorHandle<AsyncClient> client = Prism.actor(AsyncClient::new, servers).remote();
      t.run(
          "1:n async-actor calls async",
          () -> Prism.get(client.task(AsyncClient::smallValueBatch, n).remote()),
          n * servers.size());
      client.kill();
      kill(servers);
    }
    if (t.selected("n:n async-actor calls async")) {
      int n = 5000;
      int m = 4;
      List<ActorHandle<AsyncActor>> servers = asyncActors(nCpu);
      t.run(
          "n:n async-actor calls async",
          () -> {
            List<ObjectRef<Integer>> works = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
              works.add(Prism.task(ActorMetrics::asyncWork, servers, n).remote());
            }
            Prism.get(works);
          },
          m * n);
      kill(servers);
    }
  }
}
