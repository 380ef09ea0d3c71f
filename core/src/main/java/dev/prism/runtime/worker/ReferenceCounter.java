package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.Address;
import dev.prism.store.ObjectId;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts, per object, what keeps it alive in this process: live {@link ObjectRefImpl} handles
 * (released when the garbage collector finds them unreachable), pending tasks that take it as an
 * argument, objects whose values contain it, and — for objects this process owns — the borrowers
 * elsewhere that hold it. When every count is zero the object is released: an owned object is freed
 * (its value dropped everywhere), a borrowed one is given back to its owner.
 */
final class ReferenceCounter {

  /** What happens when an object's last reference goes. */
  interface Listener {
    /** An object this process owns has no reference left anywhere: free its value. */
    void ownedObjectFreed(ObjectId id, List<ObjectId> contained);

    /** A borrowed object has no reference left here: tell its owner (if it was told). */
    void borrowReleased(ObjectId id, Address owner, boolean ownerKnows, List<ObjectId> contained);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ReferenceCounter.class);
  private static final Cleaner CLEANER = Cleaner.create();

  private final ConcurrentHashMap<ObjectId, Entry> entries = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger borrowed =
      new java.util.concurrent.atomic.AtomicInteger();
  private final Listener listener;
  private final String localWorkerId;

  ReferenceCounter(String localWorkerId, Listener listener) {
    this.localWorkerId = localWorkerId;
    this.listener = listener;
  }

  private static final class Entry {
    final Address owner;
    final boolean owned;
    int local;
    int submitted;
    int contained;
    Set<String> borrowers;
    List<ObjectId> inner = List.of();
    boolean ownerKnows;
    boolean dead;

    Entry(Address owner, boolean owned) {
      this.owner = owner;
      this.owned = owned;
    }

    boolean isZero() {
      return local == 0
          && submitted == 0
          && contained == 0
          && (borrowers == null || borrowers.isEmpty());
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger owned =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Objects ever tracked here: grows while this process makes or receives refs. */
  private final java.util.concurrent.atomic.AtomicLong created =
      new java.util.concurrent.atomic.AtomicLong();

  private Entry newEntry(Address owner, boolean isOwned) {
    (isOwned ? owned : borrowed).incrementAndGet();
    created.incrementAndGet();
    return new Entry(owner, isOwned);
  }

  /**
   * How many objects were ever tracked here. It grows while any thread of this process calls tasks
   * or actors (an actor that serves HTTP on its own threads, say), so a process whose task queue is
   * empty but that still makes refs is not idle.
   */
  long createdCount() {
    return created.get();
  }

  /** How many objects this process owns that still have references. */
  int ownedCount() {
    return owned.get();
  }

  /** How many objects this process borrows (holds refs to without owning them). */
  int borrowedCount() {
    return borrowed.get();
  }

  /** Registers a new handle: counts it, and uncounts it once the handle is collected. */
  void track(ObjectRefImpl<?> ref) {
    track(ref, ref.objectId(), ref.owner());
  }

  /**
   * Counts one local reference to {@code id} held by {@code handle}, uncounted once the garbage
   * collector finds {@code handle} unreachable. The object is owned here when {@code owner} is this
   * process.
   *
   * @return the registration: cleaning it uncounts the reference now (once, like the collector)
   */
  Cleaner.Cleanable track(Object handle, ObjectId id, Address owner) {
    boolean owned = owner.getWorkerId().equals(localWorkerId);
    while (true) {
      Entry e = entries.computeIfAbsent(id, k -> newEntry(owner, owned));
      synchronized (e) {
        if (e.dead) {
          continue;
        }
        e.local++;
        break;
      }
    }
    return CLEANER.register(handle, () -> release(id, Count.LOCAL));
  }

  /**
   * Returns the ids among {@code refs} that this process borrows and whose owner has not yet been
   * told, marking them as told: the caller must now tell the owners.
   */
  List<ObjectRefImpl<?>> claimUnregisteredBorrows(Collection<ObjectRefImpl<?>> refs) {
    List<ObjectRefImpl<?>> out = new ArrayList<>();
    for (ObjectRefImpl<?> ref : refs) {
      if (claimUnregisteredBorrow(ref.objectId())) {
        out.add(ref);
      }
    }
    return out;
  }

  /**
   * Whether {@code id} is borrowed here and its owner has not been told yet, marking it as told: on
   * true the caller must tell the owner. False for owned, untracked and released objects.
   */
  boolean claimUnregisteredBorrow(ObjectId id) {
    Entry e = entries.get(id);
    if (e == null || e.owned) {
      return false;
    }
    synchronized (e) {
      if (!e.dead && !e.ownerKnows) {
        e.ownerKnows = true;
        return true;
      }
      return false;
    }
  }

  /** Marks borrowed refs as already known to their owner (the owner registered us itself). */
  void holdContained(ObjectId outer, Collection<ObjectId> innerIds, Collection<Address> owners) {
    List<ObjectId> held = new ArrayList<>(innerIds.size());
    var ownerIt = owners.iterator();
    for (ObjectId inner : innerIds) {
      Address owner = ownerIt.next();
      boolean owned = owner.getWorkerId().equals(localWorkerId);
      while (true) {
        Entry e = entries.computeIfAbsent(inner, k -> newEntry(owner, owned));
        synchronized (e) {
          if (e.dead) {
            continue;
          }
          e.contained++;
          if (!owned) {
            e.ownerKnows = true;
          }
          break;
        }
      }
      held.add(inner);
    }
    Entry outerEntry = entries.get(outer);
    boolean orphan;
    if (outerEntry == null) {
      orphan = true;
    } else {
      synchronized (outerEntry) {
        orphan = outerEntry.dead;
        if (!orphan) {
          List<ObjectId> all = new ArrayList<>(outerEntry.inner);
          all.addAll(held);
          outerEntry.inner = all;
        }
      }
    }
    if (orphan) {
      for (ObjectId inner : held) {
        release(inner, Count.CONTAINED);
      }
    }
  }

  void addSubmitted(Collection<ObjectId> ids) {
    for (ObjectId id : ids) {
      Entry e = entries.get(id);
      if (e != null) {
        synchronized (e) {
          if (!e.dead) {
            e.submitted++;
          }
        }
      }
    }
  }

  void removeSubmitted(Collection<ObjectId> ids) {
    for (ObjectId id : ids) {
      release(id, Count.SUBMITTED);
    }
  }

  /** Records that another process borrows an object this one owns; false if it is gone. */
  boolean addBorrower(ObjectId id, String borrower) {
    Entry e = entries.get(id);
    if (e == null || !e.owned) {
      return false;
    }
    synchronized (e) {
      if (e.dead) {
        return false;
      }
      if (e.borrowers == null) {
        e.borrowers = new HashSet<>(4);
      }
      e.borrowers.add(borrower);
      return true;
    }
  }

  void removeBorrower(ObjectId id, String borrower) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    boolean zero;
    synchronized (e) {
      if (e.dead || e.borrowers == null || !e.borrowers.remove(borrower)) {
        return;
      }
      zero = e.isZero();
      if (zero) {
        e.dead = true;
      }
    }
    if (zero) {
      finish(id, e);
    }
  }

  /** Whether any reference to the object remains in this process's view. */
  boolean isTracked(ObjectId id) {
    Entry e = entries.get(id);
    if (e == null) {
      return false;
    }
    synchronized (e) {
      return !e.dead;
    }
  }

  int size() {
    return entries.size();
  }

  private enum Count {
    LOCAL,
    SUBMITTED,
    CONTAINED
  }

  private void release(ObjectId id, Count count) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    boolean zero;
    synchronized (e) {
      if (e.dead) {
        return;
      }
      int before =
          switch (count) {
            case LOCAL -> e.local--;
            case SUBMITTED -> e.submitted--;
            case CONTAINED -> e.contained--;
          };
      if (before <= 0) {
        // A release without its hold (a bug in the caller): undo it rather than let the count go
        // negative, which would keep the object forever or free it while something else holds it.
        switch (count) {
          case LOCAL -> e.local++;
          case SUBMITTED -> e.submitted++;
          case CONTAINED -> e.contained++;
        }
        LOG.error("{} reference to {} released more often than it was taken", count, id);
        return;
      }
      zero = e.isZero();
      if (zero) {
        e.dead = true;
      }
    }
    if (zero) {
      finish(id, e);
    }
  }

  private void finish(ObjectId id, Entry e) {
    entries.remove(id, e);
    (e.owned ? owned : borrowed).decrementAndGet();
    List<ObjectId> inner = e.inner;
    if (e.owned) {
      listener.ownedObjectFreed(id, inner);
    } else {
      listener.borrowReleased(id, e.owner, e.ownerKnows, inner);
    }
    for (ObjectId in : inner) {
      release(in, Count.CONTAINED);
    }
  }
}
