/**
 * The node-local shared-memory object store: one {@link dev.prism.store.StoreServer} per node owns
 * a shared-memory file, the object table, pins, LRU eviction of secondary copies and spilling of
 * primary copies to disk; any JVM on the node connects a {@link dev.prism.store.StoreClient} over a
 * Unix domain socket and writes and reads objects in place. Every object is an Arrow IPC stream:
 * Arrow data comes back zero-copy as an {@link dev.prism.store.ArrowObject}, other bytes as a
 * {@link dev.prism.store.Payload} (a one-row binary column with user metadata). Sealed objects are
 * immutable: clients read them through a read-only mapping, so a reader cannot change what other
 * readers see (see {@link dev.prism.store.StoreClient} for which writes throw and which stop the
 * writing process).
 *
 * <p>Failures are subclasses of {@link dev.prism.store.StoreException} that say what went wrong
 * (not found, not sealed, full, timed out, closed, bad request). This package knows nothing of
 * Prism's core, gRPC or the scheduler.
 */
package dev.prism.store;
