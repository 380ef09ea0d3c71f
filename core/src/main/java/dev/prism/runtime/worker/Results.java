package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.store.ObjectId;
import dev.prism.store.StoreClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Where task results meet ownership: the owner records results (and the refs nested in them) in its
 * tables or discards them, the executing worker stores return values (inline or in the node's
 * store) and lends the refs inside them to the caller, and a process that deserialized refs it does
 * not own registers as their borrower.
 */
final class Results {

  private final CoreWorker worker;
  private final MemoryStore memory;
  private final ReferenceCounter references;
  private final StoredCopies copies;
  private final ValueCodec codec;
  private final StoreClient store;
  private final BorrowNotifier borrowNotifier;
  private final ExecutorService releaser;

  Results(
      CoreWorker worker,
      MemoryStore memory,
      ReferenceCounter references,
      StoredCopies copies,
      ValueCodec codec,
      StoreClient store,
      BorrowNotifier borrowNotifier,
      ExecutorService releaser) {
    this.worker = worker;
    this.memory = memory;
    this.references = references;
    this.copies = copies;
    this.codec = codec;
    this.store = store;
    this.borrowNotifier = borrowNotifier;
    this.releaser = releaser;
  }

  /** Stores a value this process puts: inline in its memory store, or in the node's store. */
  ObjectRefImpl<?> put(ValueCodec.Encoded encoded) {
    ObjectId id = new ObjectId(worker.workerLong(), worker.nextSequence(), 0);
    ObjectRefImpl<?> ref = worker.newOwnedRef(id);
    CompletableFuture<StoredValue> slot = memory.slot(id);
    List<ObjectRefProto> contained = new ArrayList<>(encoded.nested().size());
    for (ObjectRefImpl<?> nested : encoded.nested()) {
      contained.add(Ids.toProto(nested));
    }
    StoredValue value;
    if (encoded.fitsInline()) {
      value = StoredValue.inline(encoded.format(), encoded.bytes(), contained);
    } else {
      copies.collectIfFillingUp(encoded.size());
      codec.writeToStore(store, id, encoded);
      value = StoredValue.inStore(encoded.format(), worker.nodeId(), encoded.size(), contained);
      copies.written(encoded.size());
    }
    if (!contained.isEmpty()) {
      holdContained(id, contained);
    }
    slot.complete(value);
    return ref;
  }

  /** Records a task's result in the owner's table, or discards it if nobody holds the ref. */
  void recordResult(ObjectId id, StoredValue value) {
    if (!value.contained().isEmpty()) {
      holdContained(id, value.contained());
    }
    if (!value.isInline()) {
      copies.written(value.size());
    }
    if (!memory.complete(id, value)) {
      discardValue(id, value);
    } else if (!value.isInline()) {
      // Replies arrive on a shared network thread: collect elsewhere.
      try {
        releaser.execute(() -> copies.collectIfFillingUp(0));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // Shutting down.
      }
    }
  }

  /**
   * Drops a task result nobody will read (the task was cancelled, or the reply came for a task
   * already finished): its store copy, and the borrows lent to this process for its refs.
   */
  void discardReply(ObjectId id, StoredValue value) {
    if (!value.contained().isEmpty()) {
      // No entry exists for id, so the contained refs are released at once.
      holdContained(new ObjectId(0, 0, 0), value.contained());
    }
    discardValue(id, value);
  }

  /** Drops a value nobody can read any more (its store copy, the borrows it carried). */
  void discardValue(ObjectId id, StoredValue value) {
    if (!value.isInline()) {
      copies.delete(id, value.nodeId(), value.size());
    }
  }

  void holdContained(ObjectId outer, List<ObjectRefProto> contained) {
    List<ObjectId> ids = new ArrayList<>(contained.size());
    List<Address> owners = new ArrayList<>(contained.size());
    for (ObjectRefProto p : contained) {
      ids.add(Ids.objectId(p));
      owners.add(p.getOwner());
    }
    references.holdContained(outer, ids, owners);
  }

  /** Stores a task's return value: inline when small, in this node's store when large. */
  ReturnObject storeReturn(ObjectId returnId, Object result, Address caller) {
    ValueCodec.Encoded encoded = codec.encode(result);
    List<ObjectRefProto> contained = lendTo(caller, encoded.nested());
    ReturnObject.Builder b =
        ReturnObject.newBuilder()
            .setObjectId(ByteString.copyFrom(returnId.toBytes()))
            .setFormat(encoded.format())
            .setSize(encoded.size())
            .addAllContainedRefs(contained);
    if (encoded.fitsInline()) {
      return b.setInlineValue(ByteString.copyFrom(encoded.bytes())).build();
    }
    try {
      codec.writeToStore(store, returnId, encoded);
    } catch (dev.prism.store.ObjectExistsException e) {
      // An earlier attempt of this task wrote it before its worker died; nobody read that copy.
      store.delete(returnId);
      codec.writeToStore(store, returnId, encoded);
    }
    return b.setStoredOnNode(worker.nodeId()).build();
  }

  /**
   * Makes {@code borrower} a borrower of each ref (telling owners elsewhere), so the refs stay
   * alive after this process drops its own handles.
   */
  private List<ObjectRefProto> lendTo(Address borrower, List<ObjectRefImpl<?>> refs) {
    if (refs.isEmpty()) {
      return List.of();
    }
    List<ObjectRefProto> out = new ArrayList<>(refs.size());
    List<ObjectRefProto> remote = new ArrayList<>();
    for (ObjectRefImpl<?> ref : refs) {
      ObjectRefProto proto = Ids.toProto(ref);
      out.add(proto);
      if (ref.owner().getWorkerId().equals(borrower.getWorkerId())) {
        continue;
      }
      if (worker.owns(ref)) {
        references.addBorrower(ref.objectId(), borrower.getWorkerId());
      } else {
        remote.add(proto);
      }
    }
    if (!remote.isEmpty()) {
      borrowNotifier.addBorrowers(borrower, remote);
    }
    return out;
  }

  /** Tells the owners of freshly deserialized refs that this process now borrows them. */
  void registerBorrows(List<ObjectRefImpl<?>> refs) {
    List<ObjectRefImpl<?>> claimed = references.claimUnregisteredBorrows(refs);
    if (!claimed.isEmpty()) {
      borrowNotifier.addBorrowers(worker.address(), claimed.stream().map(Ids::toProto).toList());
    }
  }
}
