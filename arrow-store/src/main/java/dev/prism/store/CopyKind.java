package dev.prism.store;

/**
 * Whether the store holds the primary copy of an object or a secondary copy (a cached replica
 * fetched from another node). Under memory pressure secondary copies are evicted (dropped) first,
 * least recently used first; primary copies are never dropped, only spilled to disk.
 */
public enum CopyKind {
  /** The primary copy: spilled to disk under pressure, never lost. */
  PRIMARY,
  /** A secondary copy: may be evicted when unpinned and the store needs space. */
  SECONDARY
}
