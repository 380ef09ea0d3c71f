package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.ActorHandle;
import java.util.HexFormat;
import java.util.List;

/**
 * The runtime's actor handle. It carries what callers need without asking the GCS (the class, the
 * retry and pending-call limits, the names of its concurrency groups) and, for an actor that is
 * destroyed when its handles are gone, a ref to a small object its creator owns: handles count as
 * references to that object wherever they travel (nested in arguments and results, like any ref),
 * so the creator learns through ordinary reference counting when the last handle anywhere is gone.
 *
 * @param <A> the actor's class
 */
public final class ActorHandleImpl<A> implements ActorHandle<A> {

  /** How a handle reaches its process's actors: to kill the actor it names. */
  interface Actors {
    /**
     * Kills an actor at once.
     *
     * @param actor the actor
     * @param noRestart true to end it for good; false to restart it if it has restarts left
     */
    void kill(ActorHandle<?> actor, boolean noRestart);
  }

  private final transient Actors actors;
  private final ByteString actorId;
  private final String className;
  private final int maxTaskRetries;
  private final int maxPendingCalls;
  private final List<String> concurrencyGroups;

  /** Keeps the actor alive while this handle is reachable; null for named or detached actors. */
  private final ObjectRefImpl<?> lifetimeRef;

  ActorHandleImpl(
      Actors actors,
      ByteString actorId,
      String className,
      int maxTaskRetries,
      int maxPendingCalls,
      ObjectRefImpl<?> lifetimeRef,
      List<String> concurrencyGroups) {
    this.actors = actors;
    this.actorId = actorId;
    this.className = className;
    this.maxTaskRetries = maxTaskRetries;
    this.maxPendingCalls = maxPendingCalls;
    this.lifetimeRef = lifetimeRef;
    this.concurrencyGroups = List.copyOf(concurrencyGroups);
  }

  @Override
  public String actorId() {
    return HexFormat.of().formatHex(actorId.toByteArray());
  }

  @Override
  public String className() {
    return className;
  }

  @Override
  public void kill() {
    actors.kill(this, true);
  }

  ByteString actorIdBytes() {
    return actorId;
  }

  int maxTaskRetries() {
    return maxTaskRetries;
  }

  int maxPendingCalls() {
    return maxPendingCalls;
  }

  /** The names of the actor's named concurrency groups (the default one not included). */
  List<String> concurrencyGroups() {
    return concurrencyGroups;
  }

  ObjectRefImpl<?> lifetimeRef() {
    return lifetimeRef;
  }

  /** The short form used in messages: the class's simple name and the id's first 8 digits. */
  String display() {
    return display(className, actorId);
  }

  static String display(String className, ByteString actorId) {
    String simple = className.substring(className.lastIndexOf('.') + 1);
    return simple + "(" + HexFormat.of().formatHex(actorId.toByteArray()).substring(0, 8) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActorHandleImpl<?> other && other.actorId.equals(actorId);
  }

  @Override
  public int hashCode() {
    return actorId.hashCode();
  }

  @Override
  public String toString() {
    return "ActorHandle(" + className + ", " + actorId() + ")";
  }
}
