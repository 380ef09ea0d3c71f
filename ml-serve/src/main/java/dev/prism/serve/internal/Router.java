package dev.prism.serve.internal;

import dev.prism.ActorDiedException;
import dev.prism.ObjectRef;
import dev.prism.WorkerCrashedException;
import dev.prism.serve.BackPressureException;
import dev.prism.serve.RequestTimeoutException;
import dev.prism.serve.ServeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The router of one deployment in one process (a proxy, a driver, a replica calling another
 * deployment): picks a replica by the power of two choices on the requests it has in flight on
 * each, preferring replicas that have the requested model loaded, then replicas on this node;
 * queues a request while every replica is full, up to {@code maxQueued}; retries on another replica
 * a request whose replica died or refused it. Asynchronous: no thread waits for a replica or an
 * answer.
 */
public final class Router {

  /** How often a request is tried on another replica after its replica died. */
  static final int MAX_ATTEMPTS = 4;

  /** How long a request waits for a deployment that has no running replica. */
  static final long NO_REPLICA_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final ScheduledExecutorService TIMERS =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("prism-serve-router-timer").factory());

  private final String key;
  private final String localNode;
  private final Consumer<String> replicaDied;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Request> queue = new ArrayDeque<>();
  private List<Slot> slots = List.of();
  private int maxOngoing = 1;
  private int maxQueued;
  private long requestTimeoutMillis;
  private int inFlight;
  private boolean closed;
  private final java.util.concurrent.ScheduledFuture<?> expiry;

  /**
   * Creates a router with no replicas yet.
   *
   * @param key the deployment's key
   * @param localNode this process's node
   * @param replicaDied told the id of a replica found dead
   */
  public Router(String key, String localNode, Consumer<String> replicaDied) {
    this.key = key;
    this.localNode = localNode;
    this.replicaDied = replicaDied;
    this.expiry = TIMERS.scheduleWithFixedDelay(this::expire, 100, 100, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the deployment's current replicas; in-flight counts of replicas still there are kept.
   *
   * @param route the route, or null when the deployment is gone
   */
  public void update(RouteTable.DeploymentRoute route) {
    List<Dispatch> go;
    lock.lock();
    try {
      if (route == null) {
        slots = List.of();
      } else {
        Map<String, Slot> old = new HashMap<>();
        for (Slot s : slots) {
          old.put(s.replica.id(), s);
        }
        List<Slot> next = new ArrayList<>();
        for (RouteTable.ReplicaRoute r : route.replicas()) {
          Slot s = old.get(r.id());
          if (s == null) {
            s = new Slot(r);
          } else {
            s.replica = r;
          }
          next.add(s);
        }
        slots = List.copyOf(next);
        maxOngoing = route.maxOngoing();
        maxQueued = route.maxQueued();
        requestTimeoutMillis = route.requestTimeoutMillis();
      }
      go = drainQueue();
    } finally {
      lock.unlock();
    }
    go.forEach(Dispatch::run);
  }

  /**
   * The deployment's request timeout, zero for none.
   *
   * @return it
   */
  public Duration requestTimeout() {
    return Duration.ofMillis(requestTimeoutMillis);
  }

  /**
   * Requests in flight on replicas plus requests queued here.
   *
   * @return the count
   */
  public int load() {
    lock.lock();
    try {
      return inFlight + queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Requests queued here now.
   *
   * @return the count
   */
  public int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a request to a replica and waits for its answer.
   *
   * @param send makes the call on a replica's actor
   * @param modelId the model id the request asks for, or empty
   * @param timeout the request's timeout, or null for the deployment's
   * @return the replica's answer (never {@link Rejected})
   * @throws BackPressureException when the queue is full
   * @throws RequestTimeoutException when the timeout passes
   * @throws ServeException when no replica could answer
   */
  public Object send(
      Function<RouteTable.ReplicaRoute, ObjectRef<Object>> send, String modelId, Duration timeout) {
    CompletableFuture<Object> f = sendAsync(send, modelId, timeout);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(false);
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted while waiting for deployment " + key, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new ServeException("deployment " + key + " failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Sends a request to a replica; the future completes with its answer, or exceptionally with
   * {@link BackPressureException}, {@link RequestTimeoutException}, the replica's error, or {@link
   * ServeException}. Cancelling the future drops a request still queued here.
   *
   * @param send makes the call on a replica's actor
   * @param modelId the model id the request asks for, or empty
   * @param timeout the request's timeout, or null for the deployment's
   * @return the answer to come
   */
  public CompletableFuture<Object> sendAsync(
      Function<RouteTable.ReplicaRoute, ObjectRef<Object>> send, String modelId, Duration timeout) {
    Duration t = timeout != null ? timeout : requestTimeout();
    long now = System.nanoTime();
    Request r = new Request(send, modelId, t, t.isZero() ? Long.MAX_VALUE : now + t.toNanos(), now);
    Dispatch d;
    lock.lock();
    try {
      d = admit(r);
    } finally {
      lock.unlock();
    }
    if (d != null) {
      d.run();
    }
    return r.result;
  }

  /** Under the lock: a replica for the request now, or queue it, or refuse it. */
  private Dispatch admit(Request r) {
    if (closed) {
      r.result.completeExceptionally(
          new ServeException("the router of deployment " + key + " is closed"));
      return null;
    }
    Slot s = queue.isEmpty() ? pick(r.modelId) : null;
    if (s != null) {
      return take(s, r);
    }
    if (queue.size() >= maxQueued && !slots.isEmpty()) {
      r.result.completeExceptionally(
          new BackPressureException(
              "deployment "
                  + key
                  + " is at capacity: "
                  + slots.size()
                  + " replicas x "
                  + maxOngoing
                  + " ongoing requests, and "
                  + queue.size()
                  + " requests queued (maxQueuedRequests "
                  + maxQueued
                  + ")"));
      return null;
    }
    queue.addLast(r);
    return null;
  }

  private Dispatch take(Slot s, Request r) {
    s.inFlight++;
    inFlight++;
    return new Dispatch(s, r);
  }

  /** Under the lock: queued requests that now have a replica, in order. */
  private List<Dispatch> drainQueue() {
    List<Dispatch> go = new ArrayList<>();
    Iterator<Request> it = queue.iterator();
    while (it.hasNext()) {
      Request r = it.next();
      if (r.result.isDone()) {
        it.remove();
        continue;
      }
      Slot s = pick(r.modelId);
      if (s == null) {
        break;
      }
      it.remove();
      go.add(take(s, r));
    }
    return go;
  }

  /** Fails queued requests past their deadline, or waiting too long for any replica. */
  private void expire() {
    List<Runnable> fail = new ArrayList<>();
    lock.lock();
    try {
      long now = System.nanoTime();
      Iterator<Request> it = queue.iterator();
      while (it.hasNext()) {
        Request r = it.next();
        if (r.result.isDone()) {
          it.remove();
        } else if (now >= r.deadline) {
          it.remove();
          fail.add(
              () ->
                  r.result.completeExceptionally(
                      new RequestTimeoutException(
                          "a request to deployment "
                              + key
                              + " waited "
                              + r.timeout
                              + " for a replica")));
        } else if (slots.isEmpty() && now - r.queuedAt >= NO_REPLICA_WAIT_NANOS) {
          it.remove();
          fail.add(
              () ->
                  r.result.completeExceptionally(
                      new ServeException(
                          "deployment "
                              + key
                              + " has no running replica (is it deployed, scaled to zero or"
                              + " failing to start? see Serve.status())")));
        }
      }
    } finally {
      lock.unlock();
    }
    fail.forEach(Runnable::run);
  }

  /** Power of two choices among the preferred replicas with room; null when all are full. */
  private Slot pick(String modelId) {
    List<Slot> all = slots;
    int n = all.size();
    if (n == 0) {
      return null;
    }
    if (n <= 2 && modelId.isEmpty()) {
      Slot a = all.get(0);
      Slot b = n == 2 ? all.get(1) : a;
      Slot best =
          b.inFlight < a.inFlight
              ? b
              : a.inFlight < b.inFlight || ThreadLocalRandom.current().nextBoolean() ? a : b;
      return best.inFlight < maxOngoing ? best : null;
    }
    List<Slot> withModel = new ArrayList<>(0);
    List<Slot> local = new ArrayList<>(n);
    List<Slot> free = new ArrayList<>(n);
    for (Slot s : all) {
      if (s.inFlight >= maxOngoing) {
        continue;
      }
      free.add(s);
      if (!modelId.isEmpty() && s.replica.modelIds().contains(modelId)) {
        withModel.add(s);
      }
      if (s.replica.nodeId().equals(localNode)) {
        local.add(s);
      }
    }
    List<Slot> from = !withModel.isEmpty() ? withModel : !local.isEmpty() ? local : free;
    if (from.isEmpty()) {
      return null;
    }
    if (from.size() == 1) {
      return from.get(0);
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int i = rnd.nextInt(from.size());
    int j = rnd.nextInt(from.size() - 1);
    if (j >= i) {
      j++;
    }
    Slot a = from.get(i);
    Slot b = from.get(j);
    return b.inFlight < a.inFlight ? b : a;
  }

  /** A request's call on a replica; its answer frees the replica's slot. */
  private final class Dispatch {
    final Slot slot;
    final Request request;

    Dispatch(Slot slot, Request request) {
      this.slot = slot;
      this.request = request;
    }

    void run() {
      ObjectRef<Object> ref;
      try {
        ref = request.send.apply(slot.replica);
      } catch (RuntimeException e) {
        finish(false);
        request.result.completeExceptionally(e);
        return;
      }
      CompletableFuture<Object> answer = ref.future();
      if (request.deadline != Long.MAX_VALUE) {
        answer =
            answer.orTimeout(
                Math.max(1, request.deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      answer.whenComplete(this::answered);
    }

    private void answered(Object value, Throwable error) {
      Throwable e =
          error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
      if (e instanceof ActorDiedException || e instanceof WorkerCrashedException) {
        finish(true);
        if (++request.died >= MAX_ATTEMPTS) {
          request.result.completeExceptionally(
              new ServeException(
                  "deployment "
                      + key
                      + ": "
                      + request.died
                      + " replicas died while answering this request; last: "
                      + e.getMessage(),
                  e));
        } else {
          retry(request, 0);
        }
        return;
      }
      finish(false);
      if (e instanceof java.util.concurrent.TimeoutException) {
        request.result.completeExceptionally(
            new RequestTimeoutException(
                "a request to deployment " + key + " did not finish within " + request.timeout));
      } else if (e != null) {
        request.result.completeExceptionally(e);
      } else if (value instanceof Rejected rejected) {
        // Full through another router, or stopping: try again after a moment.
        if (++request.refused > 10_000) {
          request.result.completeExceptionally(
              new ServeException(
                  "deployment "
                      + key
                      + ": replicas refused this request 10000 times: "
                      + rejected));
        } else {
          retry(request, 1 + ThreadLocalRandom.current().nextInt(3));
        }
      } else {
        request.result.complete(value);
      }
    }

    private void finish(boolean dead) {
      List<Dispatch> go;
      lock.lock();
      try {
        slot.inFlight--;
        inFlight--;
        if (dead && slots.contains(slot)) {
          List<Slot> rest = new ArrayList<>(slots);
          rest.remove(slot);
          slots = List.copyOf(rest);
        }
        go = drainQueue();
      } finally {
        lock.unlock();
      }
      go.forEach(Dispatch::run);
      if (dead) {
        replicaDied.accept(slot.replica.id());
      }
    }
  }

  private void retry(Request r, long delayMillis) {
    Runnable again =
        () -> {
          Dispatch d;
          lock.lock();
          try {
            // A retried request goes first: it has waited already.
            if (closed) {
              d = null;
              r.result.completeExceptionally(
                  new ServeException("the router of deployment " + key + " is closed"));
            } else {
              Slot s = pick(r.modelId);
              if (s != null) {
                d = take(s, r);
              } else {
                queue.addFirst(r);
                d = null;
              }
            }
          } finally {
            lock.unlock();
          }
          if (d != null) {
            d.run();
          }
        };
    if (delayMillis <= 0) {
      again.run();
    } else {
      TIMERS.schedule(again, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Fails the requests that wait here and refuses new ones. */
  public void close() {
    List<Request> waiting;
    lock.lock();
    try {
      closed = true;
      expiry.cancel(false);
      waiting = new ArrayList<>(queue);
      queue.clear();
    } finally {
      lock.unlock();
    }
    for (Request r : waiting) {
      r.result.completeExceptionally(
          new ServeException("the router of deployment " + key + " is closed"));
    }
  }

  /** One request through this router. */
  private static final class Request {
    final Function<RouteTable.ReplicaRoute, ObjectRef<Object>> send;
    final String modelId;
    final Duration timeout;
    final long deadline;
    final long queuedAt;
    final CompletableFuture<Object> result = new CompletableFuture<>();
    int died;
    int refused;

    Request(
        Function<RouteTable.ReplicaRoute, ObjectRef<Object>> send,
        String modelId,
        Duration timeout,
        long deadline,
        long queuedAt) {
      this.send = send;
      this.modelId = modelId;
      this.timeout = timeout;
      this.deadline = deadline;
      this.queuedAt = queuedAt;
    }
  }

  /** A replica and the requests this router has in flight on it. */
  private static final class Slot {
    RouteTable.ReplicaRoute replica;
    int inFlight;

    Slot(RouteTable.ReplicaRoute replica) {
      this.replica = replica;
    }
  }
}
