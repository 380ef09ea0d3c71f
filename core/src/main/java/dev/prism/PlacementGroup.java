package dev.prism;

import dev.prism.runtime.spi.Placement;
import dev.prism.runtime.spi.PlacementGroupSnapshot;
import dev.prism.runtime.spi.Runtimes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A placement group: bundles of resources reserved together across the cluster's nodes,
 * all-or-nothing, by a {@link PlacementStrategy}. Tasks and actors run inside a bundle with {@link
 * TaskCaller#setPlacementGroup} / {@link ActorCreator#setPlacementGroup} and use the bundle's
 * resources, not the node's. Created with {@link PlacementGroups#create}; removed with {@link
 * PlacementGroups#remove}. A handle is a snapshot plus its id: {@link #state()} and {@link
 * #waitUntilReady} ask the cluster.
 *
 * <pre>{@code
 * PlacementGroup pg = PlacementGroups.create(
 *     List.of(Map.of("CPU", 1.0), Map.of("CPU", 1.0)), PlacementStrategy.STRICT_SPREAD);
 * if (!pg.waitUntilReady(Duration.ofSeconds(30))) {
 *   System.err.println("still pending: " + pg.pendingReason());
 * }
 * ObjectRef<String> where = Prism.task(Jobs::where).setPlacementGroup(pg, 1).remote();
 * PlacementGroups.remove(pg);
 * }</pre>
 */
public final class PlacementGroup {

  /** Where a placement group is in its life. */
  public enum State {
    /** Waiting for resources (see {@link #pendingReason()}), or being reserved. */
    PENDING,
    /** Every bundle is reserved on its node: tasks and actors can run in it. */
    CREATED,
    /** Removed: its resources went back to the nodes. */
    REMOVED
  }

  /** The longest single wait the cluster is asked to hold a state request for. */
  private static final Duration MAX_SINGLE_WAIT = Duration.ofSeconds(60);

  private final String id;
  private final String name;
  private final PlacementStrategy strategy;
  private final List<Map<String, Double>> bundles;
  private volatile PlacementGroupSnapshot info;

  PlacementGroup(PlacementGroupSnapshot info, List<Map<String, Double>> bundles) {
    this.id = info.id();
    this.name = info.name();
    this.strategy = info.strategy();
    this.bundles = List.copyOf(bundles);
    this.info = info;
  }

  /**
   * Returns the group's id (hex).
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * Returns the group's name.
   *
   * @return the name, empty when it was created without one
   */
  public String name() {
    return name;
  }

  /**
   * Returns the bundles as created: bundle {@code i} is {@code bundles().get(i)}.
   *
   * @return the bundles' resources
   */
  public List<Map<String, Double>> bundles() {
    return bundles;
  }

  /**
   * Returns how many bundles the group has.
   *
   * @return the count
   */
  public int bundleCount() {
    return bundles.size();
  }

  /**
   * Returns the strategy.
   *
   * @return the strategy
   */
  public PlacementStrategy strategy() {
    return strategy;
  }

  /**
   * Asks the cluster for the group's state now.
   *
   * @return the state
   */
  public State state() {
    return refresh(Duration.ZERO).state();
  }

  /**
   * Asks the cluster why the group is pending (e.g. {@code infeasible: ...} with the reason).
   *
   * @return the reason, empty unless {@link State#PENDING}
   */
  public String pendingReason() {
    return refresh(Duration.ZERO).pendingReason();
  }

  /**
   * Returns the node of each bundle, as last seen ({@link #waitUntilReady} or {@link #state()}).
   *
   * @return node ids per bundle index; empty while the group is not created
   */
  public List<String> bundleNodeIds() {
    return info.bundleNodeIds();
  }

  /**
   * Waits until every bundle is reserved.
   *
   * @param timeout how long to wait at most
   * @return true when the group is created; false when the wait ended first or it was removed
   * @throws IllegalArgumentException if the timeout is negative
   */
  public boolean waitUntilReady(Duration timeout) {
    if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
      throw new IllegalArgumentException("the timeout " + timeout + " is negative");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      Duration wait = Duration.ofMillis(Math.min(left, MAX_SINGLE_WAIT.toMillis()));
      State s = refresh(wait).state();
      if (s != State.PENDING || System.nanoTime() >= deadline || left == 0) {
        return s == State.CREATED;
      }
    }
  }

  /** A placement into bundle {@code index} (-1: any), with the bundles' known nodes. */
  Placement bundlePlacement(int index) {
    PlacementGroupSnapshot now = info;
    if (now.state() == State.PENDING) {
      now = refresh(Duration.ZERO);
    }
    return new Placement.Bundle(id, index, now.bundleNodeIds());
  }

  /** Asks the cluster for the group, letting it hold the request up to {@code wait}. */
  private PlacementGroupSnapshot refresh(Duration wait) {
    PlacementGroupSnapshot now =
        Runtimes.get().awaitPlacementGroup(id, wait).orElseGet(() -> info.removed());
    info = now;
    return now;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlacementGroup p && p.id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "PlacementGroup("
        + id()
        + (name.isEmpty() ? "" : ", " + name)
        + ", "
        + strategy
        + ", "
        + bundles
        + ")";
  }
}
