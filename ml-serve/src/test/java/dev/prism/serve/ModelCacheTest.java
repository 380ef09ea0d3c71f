package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.serve.internal.Contexts;
import dev.prism.serve.internal.LoadedModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ModelCache} on its own: the LRU bound, closing, one load at a time, failures. */
@Timeout(60)
class ModelCacheTest {

  /** A model that knows whether it was closed. */
  static final class Model implements AutoCloseable {
    final String id;
    volatile boolean closed;

    Model(String id) {
      this.id = id;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Counts loads per id. */
  static final class CountingLoader implements ModelCache.Loader<Model> {
    final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();

    @Override
    public Model load(String id) {
      loads.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      return new Model(id);
    }

    int loads(String id) {
      AtomicInteger n = loads.get(id);
      return n == null ? 0 : n.get();
    }
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void keepsTheMostRecentlyUsedModelsUpToTheBound() {
    CountingLoader loader = new CountingLoader();
    ModelCache<Model> cache = new ModelCache<>(loader, 2);
    Model a = cache.get("lru-a");
    Model b = cache.get("lru-b");
    assertThat(cache.get("lru-a")).isSameAs(a);
    assertThat(cache.loadedIds()).containsExactly("lru-b", "lru-a");

    // b is the least recently used: c takes its place.
    Model c = cache.get("lru-c");
    assertThat(cache.loadedIds()).containsExactly("lru-a", "lru-c");
    assertThat(b.closed).isTrue();
    assertThat(a.closed).isFalse();
    assertThat(c.closed).isFalse();

    // b again: loaded anew, and a (now the least recently used) goes.
    Model b2 = cache.get("lru-b");
    assertThat(b2).isNotSameAs(b);
    assertThat(cache.loadedIds()).containsExactly("lru-c", "lru-b");
    assertThat(a.closed).isTrue();
    assertThat(loader.loads("lru-a")).isEqualTo(1);
    assertThat(loader.loads("lru-b")).isEqualTo(2);
    assertThat(loader.loads("lru-c")).isEqualTo(1);
    assertThat(cache.maxModels()).isEqualTo(2);

    // The replica reports what it holds.
    assertThat(LoadedModels.ids()).contains("lru-b", "lru-c").doesNotContain("lru-a");

    cache.close();
    assertThat(c.closed).isTrue();
    assertThat(b2.closed).isTrue();
    assertThat(cache.loadedIds()).isEmpty();
    assertThat(LoadedModels.ids()).doesNotContain("lru-b", "lru-c");
    assertThatThrownBy(() -> cache.get("lru-a"))
        .isInstanceOf(ServeException.class)
        .hasMessage("the model cache is closed");
  }

  @Test
  void modelsThatAreNotCloseableAreSimplyDropped() {
    ModelCache<String> cache = new ModelCache<>(id -> "model " + id, 1);
    assertThat(cache.get("plain-1")).isEqualTo("model plain-1");
    assertThat(cache.get("plain-2")).isEqualTo("model plain-2");
    assertThat(cache.loadedIds()).containsExactly("plain-2");
  }

  @Test
  void aFailingCloseDoesNotStopTheEviction() {
    ModelCache<AutoCloseable> cache =
        new ModelCache<>(
            id ->
                () -> {
                  throw new IOException("close of " + id + " failed");
                },
            1);
    cache.get("bad-close-1");
    cache.get("bad-close-2");
    assertThat(cache.loadedIds()).containsExactly("bad-close-2");
  }

  @Test
  void concurrentRequestsForOneModelLoadItOnce() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ModelCache<Model> cache =
        new ModelCache<>(
            id -> {
              loads.incrementAndGet();
              entered.countDown();
              assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
              return new Model(id);
            },
            2);
    List<CompletableFuture<Model>> fs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      fs.add(CompletableFuture.supplyAsync(() -> cache.get("once"), Thread::startVirtualThread));
    }
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    // Let the other seven reach the cache and wait for the load.
    Thread.sleep(200);
    release.countDown();
    Model first = get(fs.get(0));
    for (CompletableFuture<Model> f : fs) {
      assertThat(get(f)).isSameAs(first);
    }
    assertThat(loads.get()).isEqualTo(1);
  }

  @Test
  void aFailedLoadFailsOnlyItsWaitersAndIsNotKept() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ModelCache<Model> cache =
        new ModelCache<>(
            id -> {
              if (id.equals("flaky") && attempts.incrementAndGet() == 1) {
                entered.countDown();
                assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                throw new IllegalStateException("disk on fire");
              }
              if (id.equals("checked")) {
                throw new IOException("no such file");
              }
              return new Model(id);
            },
            3);
    CompletableFuture<Model> loader =
        CompletableFuture.supplyAsync(() -> cache.get("flaky"), Thread::startVirtualThread);
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Model> waiter =
        CompletableFuture.supplyAsync(() -> cache.get("flaky"), Thread::startVirtualThread);
    // Another model loads while the failing one is stuck, and is not touched by its failure.
    assertThat(cache.get("steady").id).isEqualTo("steady");
    Thread.sleep(200);
    release.countDown();
    for (CompletableFuture<Model> f : List.of(loader, waiter)) {
      assertThatThrownBy(() -> get(f))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("disk on fire");
    }
    assertThat(cache.loadedIds()).containsExactly("steady");
    // Not kept: the next request loads it again, and this time it works.
    assertThat(cache.get("flaky").id).isEqualTo("flaky");
    assertThat(attempts.get()).isEqualTo(2);
    assertThat(cache.loadedIds()).containsExactly("steady", "flaky");

    // A checked exception arrives wrapped, with the model named.
    assertThatThrownBy(() -> cache.get("checked"))
        .isInstanceOf(ServeException.class)
        .hasMessageContaining("model checked failed to load")
        .hasCauseInstanceOf(IOException.class);
    assertThatThrownBy(() -> new ModelCache<>(id -> null, 1).get("x"))
        .isInstanceOf(ServeException.class)
        .hasMessage("the loader returned null for model x");
  }

  @Test
  void concurrentLoadsOfMoreModelsThanRoomKeepTheBound() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    List<Model> made = new java.util.concurrent.CopyOnWriteArrayList<>();
    ModelCache<Model> cache =
        new ModelCache<>(
            id -> {
              started.incrementAndGet();
              assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
              Model m = new Model(id);
              made.add(m);
              return m;
            },
            2);
    List<CompletableFuture<Model>> fs = new ArrayList<>();
    for (String id : List.of("many-1", "many-2", "many-3")) {
      fs.add(CompletableFuture.supplyAsync(() -> cache.get(id), Thread::startVirtualThread));
    }
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> started.get() == 3);
    release.countDown();
    for (CompletableFuture<Model> f : fs) {
      get(f);
    }
    assertThat(cache.loadedIds()).hasSize(2);
    assertThat(made.stream().filter(m -> m.closed).count()).isEqualTo(1);
  }

  @Test
  void aModelThatFinishesLoadingAfterCloseIsClosedAndNotHandedOut() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Model> made = new java.util.concurrent.CopyOnWriteArrayList<>();
    ModelCache<Model> cache =
        new ModelCache<>(
            id -> {
              entered.countDown();
              assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
              Model m = new Model(id);
              made.add(m);
              return m;
            },
            1);
    CompletableFuture<Model> f =
        CompletableFuture.supplyAsync(() -> cache.get("late"), Thread::startVirtualThread);
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    cache.close();
    release.countDown();
    assertThatThrownBy(() -> get(f))
        .cause()
        .isInstanceOf(ServeException.class)
        .hasMessage("the model cache was closed while model late loaded");
    assertThat(made).singleElement().satisfies(m -> assertThat(m.closed).isTrue());
    assertThat(cache.loadedIds()).isEmpty();
  }

  @Test
  void theRequestsModelIdComesFromTheReplicaContext() {
    CountingLoader loader = new CountingLoader();
    ModelCache<Model> cache = new ModelCache<>(loader, 2);
    // Outside a replica's request there is no model id.
    assertThatThrownBy(cache::get)
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("names no model")
        .hasMessageContaining("serve_multiplexed_model_id")
        .hasMessageContaining("withModelId");
    Contexts.CURRENT.set(new ReplicaContext("app", "dep", "r1", "req-1", ""));
    try {
      assertThatThrownBy(cache::get).isInstanceOf(BadRequestException.class);
      Contexts.CURRENT.set(new ReplicaContext("app", "dep", "r1", "req-2", "ctx-m"));
      assertThat(cache.get().id).isEqualTo("ctx-m");
      assertThat(cache.get()).isSameAs(cache.get("ctx-m"));
      assertThat(loader.loads("ctx-m")).isEqualTo(1);
    } finally {
      Contexts.CURRENT.remove();
    }
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> new ModelCache<>(id -> id, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxModels is 0; it must be >= 1");
    assertThatThrownBy(() -> new ModelCache<String>(null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader");
    ModelCache<String> cache = new ModelCache<>(id -> id, 1);
    assertThatThrownBy(() -> cache.get(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the model id is empty");
  }
}
