package dev.prism.collective;

import dev.prism.ActorHandle;
import dev.prism.Prism;
import dev.prism.PrismException;
import dev.prism.collective.internal.Rendezvous;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A named group of processes (usually actors) that run collective operations together. One process
 * {@link #create}s it (which starts a small rendezvous actor named after the group) and hands the
 * value to the members; each member calls {@link #join} with its rank and gets its {@link
 * Communicator}. {@link #destroy} ends the rendezvous; formed communicators keep working.
 *
 * <pre>{@code
 * CollectiveGroup group = CollectiveGroup.create("grads", 2);
 * // in each of two actors, with rank 0 and 1:
 * try (Communicator c = group.join(rank)) { c.allreduce(gradients, ReduceOp.MEAN); }
 * }</pre>
 *
 * @param name the group's name, unique among live groups of the namespace
 * @param worldSize the number of ranks
 * @param timeout how long joining waits for the other ranks, and the limit of each operation
 */
public record CollectiveGroup(String name, int worldSize, Duration timeout) {
  /** The default timeout of joining and of each operation. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final String PREFIX = "prism-collective:";

  /**
   * The rendezvous actors this process created, by group name: an owned actor ends when its creator
   * drops the last handle, so the creator keeps it until {@link #destroy}.
   */
  private static final Map<String, ActorHandle<Rendezvous>> CREATED = new ConcurrentHashMap<>();

  /**
   * Checks the fields.
   *
   * @param name the name
   * @param worldSize the number of ranks
   * @param timeout the limit
   */
  public CollectiveGroup {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(timeout, "timeout");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a collective group's name is blank");
    }
    if (worldSize < 1) {
      throw new IllegalArgumentException(
          "worldSize is " + worldSize + "; a collective group has at least one rank");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout is " + timeout + "; give a positive duration");
    }
  }

  /**
   * Creates a group with the default timeout (60 s).
   *
   * @param name the group's name
   * @param worldSize the number of ranks
   * @return the group, to pass to its members
   * @throws PrismException if a group of that name exists already
   */
  public static CollectiveGroup create(String name, int worldSize) {
    return create(name, worldSize, DEFAULT_TIMEOUT);
  }

  /**
   * Creates a group: starts its rendezvous actor.
   *
   * @param name the group's name
   * @param worldSize the number of ranks
   * @param timeout how long joining waits, and the limit of each operation
   * @return the group, to pass to its members
   * @throws PrismException if a group of that name exists already
   */
  public static CollectiveGroup create(String name, int worldSize, Duration timeout) {
    CollectiveGroup group = new CollectiveGroup(name, worldSize, timeout);
    try {
      CREATED.put(name, Prism.actor(Rendezvous::new, worldSize).setName(PREFIX + name).remote());
    } catch (PrismException e) {
      throw new PrismException(
          "cannot create collective group '" + name + "': " + e.getMessage(), e);
    }
    return group;
  }

  /**
   * Joins the group as {@code rank}: opens a listener on this node, registers it, waits for every
   * rank to register, and forms the ring.
   *
   * @param rank this member's rank, 0 to {@code worldSize - 1}, each taken by one member
   * @return the communicator
   * @throws CollectiveException if the group does not exist or the others do not join in time
   */
  public Communicator join(int rank) {
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank is " + rank + "; group '" + name + "' has ranks 0 to " + (worldSize - 1));
    }
    ActorHandle<Rendezvous> rendezvous = rendezvous();
    Endpoint endpoint = Endpoint.open();
    try {
      List<String> addresses =
          Prism.get(
              rendezvous.taskAsync(Rendezvous::register, rank, endpoint.address()).remote(),
              timeout);
      return endpoint.connect(rank, addresses, timeout);
    } catch (dev.prism.GetTimeoutException e) {
      endpoint.close();
      throw new CollectiveException(
          "rank "
              + rank
              + " of group '"
              + name
              + "' waited "
              + timeout
              + " for the other ranks to join; some of the "
              + worldSize
              + " never did",
          e);
    } catch (RuntimeException e) {
      endpoint.close();
      throw e;
    }
  }

  /** Ends the group's rendezvous actor; communicators formed already keep working. */
  public void destroy() {
    ActorHandle<Rendezvous> mine = CREATED.remove(name);
    Optional<ActorHandle<Rendezvous>> r =
        mine != null ? Optional.of(mine) : Prism.getActor(PREFIX + name);
    r.ifPresent(Prism::kill);
  }

  private ActorHandle<Rendezvous> rendezvous() {
    Optional<ActorHandle<Rendezvous>> r = Prism.getActor(PREFIX + name);
    return r.orElseThrow(
        () ->
            new CollectiveException(
                "no collective group '"
                    + name
                    + "' in this namespace: create it with CollectiveGroup.create first"));
  }
}
