package dev.prism.benchmarks.micro;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Small values that Prism keeps in the node's shared-memory store rather than in the owner's heap,
 * for the store-backed rows of {@link Microbenchmark} and {@link ActorMetrics}. Prism's public API
 * has no option to force a small Java value into the store (values up to 100 KiB stay with their
 * owner); an Arrow {@link VectorSchemaRoot} always goes to the store, whatever its size, and is
 * read back from it zero-copy. So the store-backed counterpart of Ray's {@code ray.put(0)} here is
 * a one-row, one-column {@code int} batch holding 0.
 */
final class StoreValues {

  /** One allocator per process (driver or worker), thread-safe. */
  private static final BufferAllocator ALLOCATOR = new RootAllocator();

  private StoreValues() {}

  /**
   * A new one-row batch holding the int 0; the caller closes it (a put copies it into the store, so
   * it may be closed right after the put).
   */
  static VectorSchemaRoot zero() {
    IntVector x = new IntVector("x", ALLOCATOR);
    x.allocateNew(1);
    x.set(0, 0);
    x.setValueCount(1);
    return VectorSchemaRoot.of(x);
  }

  /** Reads the value of a batch made by {@link #zero()} (what a get of Ray's {@code 0} returns). */
  static int valueOf(VectorSchemaRoot root) {
    return ((IntVector) root.getVector(0)).get(0);
  }
}
