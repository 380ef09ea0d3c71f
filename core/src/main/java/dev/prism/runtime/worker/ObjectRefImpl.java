package dev.prism.runtime.worker;

import dev.prism.ObjectRef;
import dev.prism.runtime.rpc.Address;
import dev.prism.store.ObjectId;
import java.time.Duration;
import java.util.Objects;

/**
 * The runtime's {@link ObjectRef}: an object id and the address of its owner. Each instance counts
 * as one local reference in its process's {@link ReferenceCounter} until it is garbage collected;
 * serialized copies travel through {@link ObjectRefSerializer}.
 *
 * @param <T> the type of the value
 */
public final class ObjectRefImpl<T> implements ObjectRef<T> {

  /** What a ref needs from the Prism session of the process it lives in. */
  interface Session {
    /**
     * Waits for a ref's value.
     *
     * @param ref the ref
     * @param timeout how long to wait, or null for no limit
     * @param <T> the value's type
     * @return the value
     */
    <T> T get(ObjectRefImpl<T> ref, Duration timeout);

    /** Whether the session was shut down (its refs can no longer be read). */
    boolean isShutdown();

    /**
     * A ref's value as a future; by default read on a virtual thread that waits for it.
     *
     * @param ref the ref
     * @param <T> the value's type
     * @return the future
     */
    default <T> java.util.concurrent.CompletableFuture<T> future(ObjectRefImpl<T> ref) {
      java.util.concurrent.CompletableFuture<T> out =
          new java.util.concurrent.CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  out.complete(get(ref, null));
                } catch (Throwable t) {
                  out.completeExceptionally(t);
                }
              });
      return out;
    }

    /** The session's reference counter, which counts each ref as one local reference. */
    ReferenceCounter references();
  }

  private final ObjectId id;
  private final Address owner;
  private final transient Session session;

  ObjectRefImpl(Session session, ObjectId id, Address owner) {
    this.session = session;
    this.id = id;
    this.owner = owner;
    session.references().track(this);
  }

  /**
   * The object's id.
   *
   * @return the id
   */
  public ObjectId objectId() {
    return id;
  }

  /**
   * The address of the process that owns the object.
   *
   * @return the owner's address
   */
  public Address owner() {
    return owner;
  }

  @Override
  public T get() {
    checkSession();
    return session.get(this, null);
  }

  @Override
  public java.util.concurrent.CompletableFuture<T> future() {
    checkSession();
    return session.future(this);
  }

  @Override
  public T get(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    checkSession();
    return session.get(this, timeout);
  }

  /**
   * Refuses a ref made by a Prism session of this process that has been shut down: its owner is
   * gone, so neither a get nor a task of a later session can ever read it.
   *
   * @throws dev.prism.PrismException naming the ref
   */
  void checkSession() {
    if (session.isShutdown()) {
      throw new dev.prism.PrismException(
          this
              + " belongs to a Prism session that was shut down:"
              + " refs do not outlive Prism.shutdown(); put or compute the value again in the"
              + " current session");
    }
  }

  @Override
  public String id() {
    return id.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectRefImpl<?> other && other.id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "ObjectRef(" + id + ")";
  }
}
