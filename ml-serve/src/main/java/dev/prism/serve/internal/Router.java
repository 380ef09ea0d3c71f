package dev.prism.serve.internal;

import dev.prism.ActorDiedException;
import dev.prism.GetTimeoutException;
import dev.prism.ObjectRef;
import dev.prism.WorkerCrashedException;
import dev.prism.serve.BackPressureException;
import dev.prism.serve.RequestTimeoutException;
import dev.prism.serve.ServeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The router of one deployment in one process (a proxy, a driver, a replica calling another
 * deployment): picks a replica by the power of two choices on the requests it has in flight on
 * each, preferring replicas on this node and replicas that have the requested model loaded; queues
 * a request while every replica is full, up to {@code maxQueued}; retries on another replica a
 * request whose replica died or refused it.
 */
public final class Router {

  /** How often a request is tried on another replica after its replica died. */
  static final int MAX_ATTEMPTS = 4;

  /** How long a request waits for a deployment that has no running replica. */
  static final long NO_REPLICA_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final String key;
  private final String localNode;
  private final Consumer<String> replicaDied;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition freed = lock.newCondition();
  private List<Slot> slots = List.of();
  private int maxOngoing = 1;
  private int maxQueued;
  private long requestTimeoutMillis;
  private int waiting;
  private int inFlight;
  private boolean closed;

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
  }

  /**
   * Takes the deployment's current replicas; in-flight counts of replicas still there are kept.
   *
   * @param route the route, or null when the deployment is gone
   */
  public void update(RouteTable.DeploymentRoute route) {
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
      freed.signalAll();
    } finally {
      lock.unlock();
    }
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
      return inFlight + waiting;
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
      return waiting;
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
    Duration t = timeout != null ? timeout : requestTimeout();
    long deadline = t.isZero() ? Long.MAX_VALUE : System.nanoTime() + t.toNanos();
    int died = 0;
    int refused = 0;
    while (true) {
      Slot slot = acquire(modelId, deadline, t);
      boolean dead = false;
      try {
        ObjectRef<Object> ref = send.apply(slot.replica);
        Object answer =
            deadline == Long.MAX_VALUE
                ? ref.get()
                : ref.get(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (!(answer instanceof Rejected)) {
          return answer;
        }
        // The replica is full through another router, or stopping: try another after a moment.
        if (++refused > 10_000) {
          throw new ServeException(
              "deployment " + key + ": replicas refused this request 10000 times: " + answer);
        }
        sleepQuietly(1 + ThreadLocalRandom.current().nextInt(3));
      } catch (GetTimeoutException e) {
        throw new RequestTimeoutException(
            "a request to deployment " + key + " did not finish within " + t);
      } catch (ActorDiedException | WorkerCrashedException e) {
        dead = true;
        if (++died >= MAX_ATTEMPTS) {
          throw new ServeException(
              "deployment "
                  + key
                  + ": "
                  + died
                  + " replicas died while answering this request; last: "
                  + e.getMessage(),
              e);
        }
      } finally {
        release(slot, dead);
      }
    }
  }

  private Slot acquire(String modelId, long deadline, Duration timeout) {
    lock.lock();
    try {
      long noReplicaDeadline = System.nanoTime() + NO_REPLICA_WAIT_NANOS;
      boolean queued = false;
      try {
        while (true) {
          if (closed) {
            throw new ServeException("the router of deployment " + key + " is closed");
          }
          Slot s = pick(modelId);
          if (s != null) {
            s.inFlight++;
            inFlight++;
            return s;
          }
          if (!queued) {
            if (waiting >= maxQueued && !slots.isEmpty()) {
              throw new BackPressureException(
                  "deployment "
                      + key
                      + " is at capacity: "
                      + slots.size()
                      + " replicas x "
                      + maxOngoing
                      + " ongoing requests, and "
                      + waiting
                      + " requests queued (maxQueuedRequests "
                      + maxQueued
                      + ")");
            }
            waiting++;
            queued = true;
          }
          long now = System.nanoTime();
          if (now >= deadline) {
            throw new RequestTimeoutException(
                "a request to deployment " + key + " waited " + timeout + " for a replica");
          }
          if (slots.isEmpty() && now >= noReplicaDeadline) {
            throw new ServeException(
                "deployment "
                    + key
                    + " has no running replica (is it deployed, scaled to zero or failing to"
                    + " start? see Serve.status())");
          }
          long wait = Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(100));
          freed.awaitNanos(wait);
        }
      } finally {
        if (queued) {
          waiting--;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted while waiting for a replica of " + key, e);
    } finally {
      lock.unlock();
    }
  }

  /** Power of two choices among the preferred replicas with room; null when all are full. */
  private Slot pick(String modelId) {
    List<Slot> all = slots;
    if (all.isEmpty()) {
      return null;
    }
    List<Slot> withModel = new ArrayList<>(0);
    List<Slot> local = new ArrayList<>(all.size());
    List<Slot> free = new ArrayList<>(all.size());
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
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int i = r.nextInt(from.size());
    int j = r.nextInt(from.size() - 1);
    if (j >= i) {
      j++;
    }
    Slot a = from.get(i);
    Slot b = from.get(j);
    return b.inFlight < a.inFlight ? b : a;
  }

  private void release(Slot slot, boolean dead) {
    lock.lock();
    try {
      slot.inFlight--;
      inFlight--;
      if (dead && slots.contains(slot)) {
        List<Slot> rest = new ArrayList<>(slots);
        rest.remove(slot);
        slots = List.copyOf(rest);
      }
      freed.signal();
    } finally {
      lock.unlock();
    }
    if (dead) {
      replicaDied.accept(slot.replica.id());
    }
  }

  /** Fails the requests that wait here and refuses new ones. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      freed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted while retrying a request", e);
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
