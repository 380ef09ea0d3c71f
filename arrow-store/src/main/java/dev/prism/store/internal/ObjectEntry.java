package dev.prism.store.internal;

import dev.prism.store.CopyKind;
import dev.prism.store.ObjectId;

/** One object-table entry. Guarded by the store core's lock. Internal: not part of the API. */
final class ObjectEntry {
  final ObjectId id;
  final long size;
  final CopyKind copy;
  final long createdAt;
  final Session creator;
  long offset;
  boolean sealed;
  boolean inMemory;
  boolean deleted;
  boolean spillFileValid;
  boolean spilling;
  boolean restoring;
  int pins;
  long lastAccess;

  ObjectEntry(ObjectId id, long size, CopyKind copy, Session creator, long now) {
    this.id = id;
    this.size = size;
    this.copy = copy;
    this.creator = creator;
    this.createdAt = now;
    this.lastAccess = now;
  }
}
