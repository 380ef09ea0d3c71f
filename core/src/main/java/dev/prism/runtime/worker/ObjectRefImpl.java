package dev.prism.runtime.worker;

import dev.prism.ObjectRef;
import dev.prism.runtime.rpc.Address;
import dev.prism.store.ObjectId;
import java.time.Duration;
import java.util.Objects;

/**
 * The runtime's {@link ObjectRef}: an object id and the address of its owner. Each instance
 * counts as one local reference in its process's {@link ReferenceCounter} until it is garbage
 * collected; serialized copies travel through {@link ObjectRefSerializer}.
 *
 * @param <T> the type of the value
 */
public final class ObjectRefImpl<T> implements ObjectRef<T> {

  private final ObjectId id;
  private final Address owner;
  private final transient CoreWorker worker;

  ObjectRefImpl(CoreWorker worker, ObjectId id, Address owner) {
    this.worker = worker;
    this.id = id;
    this.owner = owner;
    worker.references().track(this);
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
    return worker.get(this, null);
  }

  @Override
  public T get(Duration timeout) {
    return worker.get(this, Objects.requireNonNull(timeout, "timeout"));
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
