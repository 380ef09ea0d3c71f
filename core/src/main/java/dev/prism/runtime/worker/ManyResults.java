package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.store.ObjectId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ends calls with several results (Ray's {@code num_returns}): records each result under its own
 * id, and keeps the call as the lineage of each stored result, so any one of them lost with its
 * node is made again by re-running the call. A rebuild records only the results that were lost; the
 * others keep their value (a new copy of one is dropped, unless the rerun replaced the very copy
 * they use, in the same node's store under the same id).
 */
final class ManyResults {

  private final TaskSubmitter submitter;
  private final TaskSubmitter.Host host;
  private final MemoryStore memory;
  private final ConcurrentHashMap<ObjectId, PendingTask> lineage;
  private final ValueCodec codec;

  ManyResults(
      TaskSubmitter submitter,
      TaskSubmitter.Host host,
      MemoryStore memory,
      ConcurrentHashMap<ObjectId, PendingTask> lineage,
      ValueCodec codec) {
    this.submitter = submitter;
    this.host = host;
    this.memory = memory;
    this.lineage = lineage;
    this.codec = codec;
  }

  /**
   * Records the call's results ({@code first} and the reply's others); it left the pending table.
   */
  void finish(PendingTask task, StoredValue first) {
    StoredValue[] values = values(task, first);
    boolean rebuilt = task.reconstructions > 0;
    for (int i = 0; i < values.length; i++) {
      ObjectId id = Returns.returnId(task.returnId, i);
      if (rebuilt) {
        recordRebuilt(id, values[i], task.lostNodeId);
      } else {
        host.recordResult(id, values[i]);
      }
    }
    if (rebuilt) {
      // Entries whose result is gone, or whose rebuild failed, let go of the arguments.
      for (int i = 0; i < values.length; i++) {
        ObjectId id = Returns.returnId(task.returnId, i);
        CompletableFuture<StoredValue> slot = memory.find(id);
        StoredValue now = slot == null ? null : slot.getNow(null);
        if (lineage.get(id) == task && (now == null || now.isError())) {
          drop(task, id);
        }
      }
      boolean none;
      synchronized (task) {
        none = task.lineageIds <= 0;
      }
      if (none) {
        submitter.releaseLineage(task); // every result was freed while it was rebuilt
      }
      return;
    }
    int kept = 0;
    if (task.actor == null) {
      synchronized (task) {
        for (int i = 0; i < values.length; i++) {
          ObjectId id = Returns.returnId(task.returnId, i);
          if (!values[i].isInline() && !values[i].isError() && memory.find(id) != null) {
            lineage.put(id, task);
            kept++;
          }
        }
        task.lineageIds = kept;
        task.lineageHeld = kept > 0;
      }
    }
    if (kept == 0) {
      submitter.releaseSubmitted(task);
      return;
    }
    for (int i = 0; i < values.length; i++) {
      ObjectId id = Returns.returnId(task.returnId, i);
      if (memory.find(id) == null && lineage.get(id) == task) {
        drop(task, id); // freed meanwhile
      }
    }
  }

  /** Removes one lineage entry of the task; the last one lets go of the arguments. */
  private void drop(PendingTask task, ObjectId id) {
    if (!lineage.remove(id, task)) {
      return;
    }
    boolean last;
    synchronized (task) {
      last = --task.lineageIds <= 0;
    }
    if (last) {
      submitter.releaseLineage(task);
    }
  }

  /**
   * Records a rebuilt result where its slot was reopened (the lost one) or where its copy lived on
   * the lost node too; drops it elsewhere, unless it is the very copy the existing value names.
   */
  private void recordRebuilt(ObjectId id, StoredValue value, String lostNodeId) {
    CompletableFuture<StoredValue> slot = memory.find(id);
    StoredValue was = slot == null ? null : slot.getNow(null);
    if (was != null
        && !was.isInline()
        && !was.isError()
        && !value.isError()
        && lostNodeId != null
        && lostNodeId.equals(was.nodeId())
        && memory.reopen(id)) {
      slot = memory.find(id);
    }
    if (slot != null && !slot.isDone()) {
      host.recordResult(id, value);
      return;
    }
    StoredValue kept = slot == null ? null : slot.getNow(null);
    if (kept != null
        && !value.isInline()
        && !kept.isInline()
        && java.util.Objects.equals(kept.nodeId(), value.nodeId())) {
      return;
    }
    host.discardReply(id, value);
  }

  /** One value per result: the reply's, or the error that ended the call for all of them. */
  private StoredValue[] values(PendingTask task, StoredValue first) {
    StoredValue[] values = new StoredValue[task.numReturns];
    values[0] = first;
    List<dev.prism.runtime.rpc.ReturnObject> more = task.moreResults;
    for (int i = 1; i < values.length; i++) {
      if (first.isError()) {
        values[i] = first;
      } else if (i - 1 < more.size()) {
        values[i] = StoredValue.fromProto(more.get(i - 1));
      } else {
        values[i] =
            StoredValue.inline(
                ValueFormat.ERROR,
                codec.encodeError(
                    TaskError.system(
                        TaskError.Kind.SYSTEM,
                        task.displayName,
                        "the worker sent "
                            + (more.size() + 1)
                            + " results of the "
                            + task.numReturns
                            + " the call declared")),
                List.of());
      }
    }
    // Surplus results (a worker of another version) are not kept.
    for (int i = values.length - 1; i < more.size(); i++) {
      host.discardReply(Returns.returnId(task.returnId, i + 1), StoredValue.fromProto(more.get(i)));
    }
    return values;
  }
}
