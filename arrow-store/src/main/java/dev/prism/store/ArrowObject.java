package dev.prism.store;

import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A {@link VectorSchemaRoot} read zero-copy from the store: its buffers lie inside the shared
 * mapping. The object stays pinned until the root is closed and no buffer of it is referenced any
 * more (vectors transferred out of the root keep the pin until they are closed too).
 */
public final class ArrowObject implements AutoCloseable {

  private final ObjectId id;
  private final VectorSchemaRoot root;

  ArrowObject(ObjectId id, VectorSchemaRoot root) {
    this.id = id;
    this.root = root;
  }

  /**
   * Returns the object's id.
   *
   * @return the id
   */
  public ObjectId id() {
    return id;
  }

  /**
   * Returns the root, backed by shared memory. Do not use it after {@link #close()}.
   *
   * @return the root
   */
  public VectorSchemaRoot root() {
    return root;
  }

  /** Closes the root; the pin is released when its last buffer is released. */
  @Override
  public void close() {
    root.close();
  }
}
