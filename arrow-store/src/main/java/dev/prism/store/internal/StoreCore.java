package dev.prism.store.internal;

import dev.prism.store.CopyKind;
import dev.prism.store.InvalidRequestException;
import dev.prism.store.ObjectAlreadySealedException;
import dev.prism.store.ObjectExistsException;
import dev.prism.store.ObjectId;
import dev.prism.store.ObjectInfo;
import dev.prism.store.ObjectNotFoundException;
import dev.prism.store.ObjectNotSealedException;
import dev.prism.store.ObjectState;
import dev.prism.store.StoreClosedException;
import dev.prism.store.StoreFullException;
import dev.prism.store.StoreStats;
import dev.prism.store.StoreTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the store: the object table, the allocator, pins, LRU eviction of secondary
 * copies, spilling and restoring of primary copies. Thread-safe: one lock guards the table; a
 * condition wakes getters waiting for a seal and creators waiting for space. Internal: not part of
 * the API.
 */
public final class StoreCore implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StoreCore.class);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final SharedMemory memory;
  private final BlockAllocator allocator;
  private final Spiller spiller;
  private final Map<ObjectId, ObjectEntry> table = new HashMap<>();
  private final Map<Long, Session> sessions = new HashMap<>();

  /** Sealed, unpinned, in-memory, non-empty entries in least-recently-used-first order. */
  private final LinkedHashMap<ObjectId, ObjectEntry> lru = new LinkedHashMap<>();

  private int ioInFlight;
  private long sealedCount;
  private long spilledCount;
  private long spilledBytes;
  private long evictions;
  private long spills;
  private long restores;
  private int clients;
  private boolean closed;

  /**
   * Creates the core over a mapping.
   *
   * @param memory the shared memory (owned: closed with the core)
   * @param spiller the spill directory (owned: closed with the core)
   */
  public StoreCore(SharedMemory memory, Spiller spiller) {
    this.memory = memory;
    this.allocator = new BlockAllocator(memory.segment().byteSize());
    this.spiller = spiller;
  }

  /**
   * Returns the capacity in bytes.
   *
   * @return bytes
   */
  public long capacity() {
    return allocator.capacity();
  }

  /**
   * A connection's view of its session.
   *
   * @param session the client's session
   * @param primary whether this connection opened it (the client's first connection)
   */
  public record Opened(Session session, boolean primary) {}

  /**
   * Registers a connection of a client; connections with the same group share one session.
   *
   * @param group the client's id
   * @param name its name for logs
   * @return the session, and whether this connection is the client's primary one
   */
  public Opened openSession(long group, String name) {
    lock.lock();
    try {
      checkOpen();
      Session s = sessions.get(group);
      boolean primary = s == null;
      if (primary) {
        s = new Session(name, group);
        sessions.put(group, s);
        clients++;
      }
      s.connections++;
      return new Opened(s, primary);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Creates an object and reserves its space, evicting, spilling or waiting as needed.
   *
   * @param s the creating session
   * @param id the id
   * @param size bytes
   * @param copy primary or secondary
   * @param timeoutNanos how long to wait for space
   * @return the offset of the object's bytes in the mapping
   */
  public long create(Session s, ObjectId id, long size, CopyKind copy, long timeoutNanos) {
    if (size < 0) {
      throw new InvalidRequestException(
          "object size must not be negative, got " + size + " for object " + id);
    }
    if (BlockAllocator.align(size) > allocator.capacity()) {
      throw new InvalidRequestException(
          "object "
              + id
              + " of "
              + size
              + " bytes is larger than the store's capacity of "
              + allocator.capacity()
              + " bytes; give the store more capacity or split the object");
    }
    lock.lock();
    try {
      checkOpen();
      if (table.containsKey(id)) {
        throw new ObjectExistsException(
            "object "
                + id
                + " already exists ("
                + (table.get(id).sealed ? "sealed" : "being created")
                + "); use a fresh ObjectId or delete the old object first");
      }
      long offset = size == 0 ? 0 : allocate(s, id, size, timeoutNanos);
      if (table.containsKey(id)) { // created by another client while we waited for space
        allocator.free(offset, size);
        changed.signalAll();
        throw new ObjectExistsException(
            "object "
                + id
                + " was created by another client while"
                + " this create waited for space; use a fresh ObjectId");
      }
      ObjectEntry e = new ObjectEntry(id, size, copy, s, System.currentTimeMillis());
      e.offset = offset;
      e.inMemory = true;
      table.put(id, e);
      s.creations.put(id, e);
      return offset;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Seals an object: it becomes immutable and visible to get.
   *
   * @param s the session that created it
   * @param id the id
   */
  public void seal(Session s, ObjectId id) {
    lock.lock();
    try {
      checkOpen();
      ObjectEntry e = table.get(id);
      if (e == null) {
        throw new ObjectNotFoundException(
            "cannot seal object " + id + ": it does not exist (was it aborted or never created?)");
      }
      if (e.sealed) {
        throw new ObjectAlreadySealedException("object " + id + " is already sealed");
      }
      if (e.creator != s) {
        throw new InvalidRequestException(
            "object " + id + " was created by another client; only its creator may seal it");
      }
      e.sealed = true;
      e.lastAccess = System.currentTimeMillis();
      s.creations.remove(id);
      sealedCount++;
      makeEvictable(e);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Aborts an unsealed object and frees its space.
   *
   * @param s the session that created it
   * @param id the id
   */
  public void abort(Session s, ObjectId id) {
    lock.lock();
    try {
      checkOpen();
      ObjectEntry e = table.get(id);
      if (e == null) {
        throw new ObjectNotFoundException("cannot abort object " + id + ": it does not exist");
      }
      if (e.sealed) {
        throw new ObjectAlreadySealedException(
            "cannot abort object " + id + ": it is already sealed; delete it instead");
      }
      if (e.creator != s) {
        throw new InvalidRequestException(
            "object " + id + " was created by another client; only its creator may abort it");
      }
      s.creations.remove(id);
      removeAndFree(e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until an object is sealed, brings it into memory if spilled, and pins it.
   *
   * @param s the session
   * @param id the id
   * @param timeoutNanos how long to wait for the seal (and for space to restore it)
   * @return the pinned entry's {offset, size}
   */
  public long[] get(Session s, ObjectId id, long timeoutNanos) {
    lock.lock();
    try {
      checkOpen();
      long deadline = System.nanoTime() + timeoutNanos;
      ObjectEntry e = table.get(id);
      while (true) {
        if (e == null || e.deleted) {
          throw new ObjectNotFoundException(
              "object " + id + " is not in the store (never created, aborted, deleted or evicted)");
        }
        if (e.sealed) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StoreTimeoutException(
              "object "
                  + id
                  + " was not sealed within "
                  + Duration.ofNanos(timeoutNanos)
                  + "; wait longer or check its creator");
        }
        awaitNanos(left);
        checkOpen();
        checkAlive(s);
        e = table.get(id);
      }
      if (!e.inMemory) {
        restore(s, e, deadline);
      }
      pin(s, e);
      return new long[] {e.offset, e.size};
    } finally {
      lock.unlock();
    }
  }

  /**
   * Releases one pin that {@code s} holds on {@code id}.
   *
   * @param s the session
   * @param id the id
   */
  public void release(Session s, ObjectId id) {
    lock.lock();
    try {
      Session.Pin p = s.pins.get(id);
      if (p == null) {
        throw new InvalidRequestException(
            "cannot release object " + id + ": this client holds no pin on it (released twice?)");
      }
      if (--p.count == 0) {
        s.pins.remove(id);
      }
      unpin(p.entry);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes a sealed object. Its memory (and spill file) is freed once the last pin is released;
   * from now on get reports it as not found and its id may be reused.
   *
   * @param id the id
   */
  public void delete(ObjectId id) {
    lock.lock();
    try {
      checkOpen();
      ObjectEntry e = table.get(id);
      if (e == null) {
        throw new ObjectNotFoundException("cannot delete object " + id + ": it does not exist");
      }
      if (!e.sealed) {
        throw new ObjectNotSealedException(
            "cannot delete object "
                + id
                + ": it is still being created; its creator must seal or abort it first");
      }
      table.remove(id);
      e.deleted = true;
      if (e.pins == 0) {
        free(e);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns whether a sealed object with this id exists (in memory or spilled).
   *
   * @param id the id
   * @return true if sealed and present
   */
  public boolean contains(ObjectId id) {
    lock.lock();
    try {
      ObjectEntry e = table.get(id);
      return e != null && e.sealed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns a snapshot of the object table.
   *
   * @return one entry per object
   */
  public List<ObjectInfo> list() {
    lock.lock();
    try {
      List<ObjectInfo> out = new ArrayList<>(table.size());
      for (ObjectEntry e : table.values()) {
        out.add(
            new ObjectInfo(
                e.id,
                e.size,
                e.sealed ? ObjectState.SEALED : ObjectState.CREATED,
                e.copy,
                e.pins,
                !e.inMemory,
                Instant.ofEpochMilli(e.createdAt),
                Instant.ofEpochMilli(e.lastAccess)));
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the counters.
   *
   * @return the stats
   */
  public StoreStats stats() {
    lock.lock();
    try {
      long pinned = 0;
      for (ObjectEntry e : table.values()) {
        if (e.pins > 0) {
          pinned++;
        }
      }
      return new StoreStats(
          allocator.capacity(),
          allocator.used(),
          table.size(),
          sealedCount,
          pinned,
          spilledCount,
          spilledBytes,
          evictions,
          spills,
          restores,
          clients);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes one connection of a session. When it was the client's primary connection (the client
   * closed, or its process died) or its last one, releases every pin of the session, aborts its
   * unsealed creations, and ends the waits of its other connections.
   *
   * @param s the session
   * @param primary whether this was the first connection the client opened
   */
  public void closeSession(Session s, boolean primary) {
    lock.lock();
    try {
      s.connections--;
      if (s.dead || (!primary && s.connections > 0)) {
        return;
      }
      s.dead = true;
      sessions.remove(s.group, s);
      clients--;
      int pins = 0;
      for (Session.Pin p : s.pins.values()) {
        for (int i = 0; i < p.count; i++) {
          unpin(p.entry);
          pins++;
        }
      }
      s.pins.clear();
      int aborted = 0;
      for (ObjectEntry e : s.creations.values()) {
        if (!closed && table.get(e.id) == e) {
          removeAndFree(e);
          aborted++;
        }
      }
      s.creations.clear();
      if (pins > 0 || aborted > 0) {
        LOG.info("client {} left: released {} pins, aborted {} unsealed objects", s, pins, aborted);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the mapping (for the server's own zero-copy access).
   *
   * @return the shared memory
   */
  public SharedMemory memory() {
    return memory;
  }

  /**
   * Refuses every further operation and wakes every waiter (who then fails with {@link
   * StoreClosedException}). Idempotent; {@link #close()} then frees the resources.
   */
  public void shutdown() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    shutdown();
    lock.lock();
    try {
      while (ioInFlight > 0) { // a spill is copying out of the mapping: let it finish
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
    try {
      spiller.close();
    } finally {
      memory.close();
    }
  }

  // ---- internals, all called with the lock held (spill releases it around its file write) ----

  private void checkOpen() {
    if (closed) {
      throw new StoreClosedException("the store server is closed");
    }
  }

  private static void checkAlive(Session s) {
    if (s.dead) {
      throw new StoreClosedException("client " + s + " is gone; its wait was ended");
    }
  }

  private void awaitNanos(long nanos) {
    try {
      changed.awaitNanos(nanos);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new StoreClosedException("interrupted while waiting in the store", ie);
    }
  }

  private long allocate(Session s, ObjectId id, long size, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      long offset = allocator.allocate(size);
      if (offset >= 0) {
        return offset;
      }
      if (makeRoom(size)) {
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new StoreFullException(
            "no room for object "
                + id
                + " of "
                + size
                + " bytes: "
                + allocator.used()
                + " of "
                + allocator.capacity()
                + " bytes are in use by pinned or"
                + " unsealed objects (largest free block "
                + allocator.largestFree()
                + " bytes) and"
                + " nothing was freed within "
                + Duration.ofNanos(timeoutNanos)
                + "; release or delete objects, or give the store more capacity");
      }
      awaitNanos(left);
      checkOpen();
      checkAlive(s);
    }
  }

  /**
   * Frees memory until a block of {@code size} fits: evicts secondaries (LRU first), then spills
   * primaries (LRU first).
   *
   * @return true if something was freed (the caller retries the allocation)
   */
  private boolean makeRoom(long size) {
    boolean freed = false;
    Iterator<ObjectEntry> it = lru.values().iterator();
    while (it.hasNext() && allocator.largestFree() < BlockAllocator.align(size)) {
      ObjectEntry e = it.next();
      if (e.copy == CopyKind.SECONDARY) {
        it.remove();
        evict(e);
        freed = true;
      }
    }
    while (!lru.isEmpty() && allocator.largestFree() < BlockAllocator.align(size)) {
      ObjectEntry e = lru.pollFirstEntry().getValue();
      if (e.copy == CopyKind.SECONDARY) { // became evictable while a spill ran unlocked
        evict(e);
        freed = true;
      } else if (spill(e)) {
        freed = true;
      }
    }
    return freed;
  }

  private void evict(ObjectEntry e) {
    table.remove(e.id);
    e.deleted = true;
    free(e);
    evictions++;
  }

  /**
   * Writes an unpinned primary copy to its spill file and frees its memory. The file is written
   * with the lock released, so other clients keep being served; meanwhile the entry may be pinned
   * (its memory stays valid and is then kept) or deleted (then freed here).
   *
   * @return whether memory was freed
   */
  private boolean spill(ObjectEntry e) {
    if (!e.spillFileValid) {
      e.spilling = true;
      ioInFlight++;
      boolean written = false;
      lock.unlock();
      try {
        spiller.write(e.id, memory.segment().asSlice(e.offset, e.size));
        written = true;
      } finally {
        lock.lock();
        e.spilling = false;
        ioInFlight--;
        changed.signalAll();
        if (!written) {
          makeEvictable(e); // the write failed: the object stays in memory
        }
      }
      e.spillFileValid = true;
      if (e.deleted) {
        if (e.pins == 0) {
          free(e);
          return true;
        }
        return false; // freed by the last release
      }
      if (e.pins > 0) {
        return false; // pinned while being written: stays in memory, the file is a spare copy
      }
    }
    allocator.free(e.offset, e.size);
    e.inMemory = false;
    spills++;
    spilledCount++;
    spilledBytes += e.size;
    LOG.debug("spilled object {} ({} bytes)", e.id, e.size);
    return true;
  }

  /**
   * Brings a spilled object back into memory. The file is read with the lock released; other
   * getters of the same object wait for that read, and a delete meanwhile wins.
   */
  private void restore(Session s, ObjectEntry e, long deadline) {
    long offset;
    while (true) {
      while (e.restoring) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StoreTimeoutException(
              "object " + e.id + " was not restored from disk in" + " time; wait longer");
        }
        awaitNanos(left);
        checkOpen();
        checkAlive(s);
      }
      if (e.deleted) {
        throw new ObjectNotFoundException("object " + e.id + " was deleted while being restored");
      }
      if (e.inMemory) {
        return;
      }
      offset = allocate(s, e.id, e.size, Math.max(0, deadline - System.nanoTime()));
      if (!e.deleted && !e.inMemory && !e.restoring) {
        break;
      }
      allocator.free(offset, e.size); // the entry changed while we made room: look again
      changed.signalAll();
    }
    e.restoring = true;
    ioInFlight++;
    boolean read = false;
    lock.unlock();
    try {
      spiller.read(e.id, memory.segment().asSlice(offset, e.size));
      read = true;
    } finally {
      lock.lock();
      e.restoring = false;
      ioInFlight--;
      changed.signalAll();
      if (!read) {
        allocator.free(offset, e.size);
      }
    }
    if (e.deleted) {
      allocator.free(offset, e.size);
      throw new ObjectNotFoundException("object " + e.id + " was deleted while being restored");
    }
    e.offset = offset;
    e.inMemory = true;
    restores++;
    spilledCount--;
    spilledBytes -= e.size;
    makeEvictable(e);
  }

  private void pin(Session s, ObjectEntry e) {
    if (e.pins++ == 0) {
      lru.remove(e.id);
    }
    e.lastAccess = System.currentTimeMillis();
    s.pins.computeIfAbsent(e.id, k -> new Session.Pin(e)).count++;
  }

  private void unpin(ObjectEntry e) {
    if (--e.pins == 0) {
      if (e.deleted) {
        free(e);
        changed.signalAll();
      } else {
        makeEvictable(e);
        changed.signalAll();
      }
    }
  }

  private void makeEvictable(ObjectEntry e) {
    if (e.size > 0 && e.inMemory && e.pins == 0 && e.sealed && !e.deleted && !e.spilling) {
      lru.remove(e.id);
      lru.put(e.id, e);
    }
  }

  private void removeAndFree(ObjectEntry e) {
    table.remove(e.id);
    e.deleted = true;
    free(e);
    changed.signalAll();
  }

  private void free(ObjectEntry e) {
    if (e.spilling) {
      return; // the spill in progress frees it when the write is done
    }
    lru.remove(e.id, e);
    if (e.inMemory) {
      allocator.free(e.offset, e.size);
      e.inMemory = false;
    } else if (e.sealed) {
      spilledCount--;
      spilledBytes -= e.size;
    }
    if (e.sealed) {
      sealedCount--;
    }
    if (e.spillFileValid) {
      spiller.remove(e.id);
      e.spillFileValid = false;
    }
  }
}
