package dev.prism.store;

import dev.prism.store.internal.ArrowIpc;
import dev.prism.store.internal.ClientChannel;
import dev.prism.store.internal.Protocol;
import dev.prism.store.internal.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A connection to the node's {@link StoreServer} from any JVM on the node. Maps the store's
 * shared-memory file, so objects are written and read in place (zero-copy).
 *
 * <p>Two levels of API:
 *
 * <ul>
 *   <li>bytes: {@link #create} returns an {@link ObjectWriter} to fill and seal; {@link #get}
 *       returns a pinned, read-only {@link ObjectBuffer};
 *   <li>Arrow: {@link #putRoot}/{@link #getRoot} for a {@link VectorSchemaRoot}; {@link #putBytes},
 *       {@link #putPayload}, {@link #createPayload} and {@link #getPayload} for raw payloads
 *       wrapped as a one-row binary column with user metadata.
 * </ul>
 *
 * Every object is an Arrow IPC stream, whichever way it was written.
 *
 * <p><b>Sealed objects are immutable for every reader.</b> The client maps the store's file twice:
 * sealed objects are read through a read-only mapping ({@code PROT_READ}), and objects being
 * created are filled through a read-write mapping that is made on the first create (a client that
 * only reads never has one). A reader therefore cannot change an object that other readers see:
 *
 * <ul>
 *   <li>a write through the {@link MemorySegment} of an {@link ObjectBuffer} or {@link Payload}, or
 *       through a {@link java.nio.ByteBuffer} view of it, throws ({@link IllegalArgumentException}
 *       "Attempt to write a read-only segment", {@link java.nio.ReadOnlyBufferException});
 *   <li>a write through a raw address inside the read-only mapping, which is what Arrow's {@code
 *       ArrowBuf} setters do for the vectors of a root from {@link #getRoot} (also {@code Unsafe},
 *       or a segment made with {@code MemorySegment.ofAddress}), cannot be refused by the JVM: the
 *       kernel stops the writing process with {@code SIGSEGV} (a JVM crash report names the
 *       faulting address, {@code SEGV_ACCERR}, and the store file mapped {@code r--s}). Only that
 *       process dies; the server releases its pins, and every other reader keeps the original
 *       bytes. To change the data, copy it into a root of your own first (for example {@code
 *       VectorSchemaRootAppender.append(mine, root)} into an empty root of the same schema).
 * </ul>
 *
 * A writer's segment becomes unusable at seal (see {@link ObjectWriter}).
 *
 * <p>Thread-safe. Quick requests are serialised over one socket (use one client per thread for the
 * highest throughput); a get that must wait for a seal, or a create that must wait for space, waits
 * on an extra connection of the same client, so it does not hold up the client's other threads.
 * Closing the client releases, on the server, every pin it still holds and aborts every object it
 * created but did not seal; the same happens when its process dies.
 */
public final class StoreClient implements AutoCloseable {

  private static final int MAX_IDLE_WAITERS = 4;

  private final ClientChannel channel;
  private final Path socketPath;
  private final long group;

  /** Idle extra connections for requests that may block (waits for a seal or for space). */
  private final ConcurrentLinkedDeque<ClientChannel> waiters = new ConcurrentLinkedDeque<>();

  /** Every extra connection, idle or in use, so that close() can end waits in progress. */
  private final Set<ClientChannel> allWaiters = ConcurrentHashMap.newKeySet();

  /** The read-only mapping through which sealed objects are read. */
  private final SharedMemory memory;

  /** The read-write mapping through which created objects are filled; made by the first create. */
  private volatile SharedMemory writeMemory;

  private final Duration defaultTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** The client itself plus every open writer and buffer: the mapping lives while any does. */
  private final AtomicInteger mappingUsers = new AtomicInteger(1);

  private volatile RootAllocator allocator;

  private StoreClient(ClientChannel channel, Path socketPath, long group, SharedMemory memory) {
    this.channel = channel;
    this.socketPath = socketPath;
    this.group = group;
    this.memory = memory;
    this.defaultTimeout = Duration.ofNanos(channel.defaultTimeoutNanos());
  }

  /**
   * Connects to a server and maps its shared memory.
   *
   * @param socketPath the server's socket ({@link StoreServer#socketPath()})
   * @return the client; close it when done
   * @throws StoreClosedException if no server listens there
   */
  public static StoreClient connect(Path socketPath) {
    long group = ThreadLocalRandom.current().nextLong();
    ClientChannel ch = ClientChannel.connect(socketPath, group);
    try {
      return new StoreClient(
          ch, socketPath, group, SharedMemory.open(ch.shmPath(), ch.capacity(), false));
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ bytes

  /**
   * Creates a primary object of {@code size} bytes, waiting up to the server's default timeout for
   * space.
   *
   * @param id a fresh id
   * @param size bytes, from 0 to the store's capacity
   * @return the writer; fill its segment, then seal
   * @throws ObjectExistsException if the id is taken
   * @throws InvalidRequestException if the size is negative or larger than the store
   * @throws StoreFullException if no space could be made in time
   */
  public ObjectWriter create(ObjectId id, long size) {
    return create(id, size, CopyKind.PRIMARY, defaultTimeout);
  }

  /**
   * Creates an object.
   *
   * @param id a fresh id
   * @param size bytes, from 0 to the store's capacity
   * @param copy primary (spilled under pressure) or secondary (evicted under pressure)
   * @param timeout how long to wait for space when the store is full
   * @return the writer; fill its segment, then seal
   * @throws ObjectExistsException if the id is taken
   * @throws InvalidRequestException if the size is negative or larger than the store
   * @throws StoreFullException if no space could be made in time
   */
  public ObjectWriter create(ObjectId id, long size, CopyKind copy, Duration timeout) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(copy, "copy");
    if (size < 0) {
      throw new InvalidRequestException(
          "object size must not be negative, got " + size + " for object " + id);
    }
    if (size > channel.capacity()) {
      throw new InvalidRequestException(
          "object "
              + id
              + " of "
              + size
              + " bytes is larger than the store's capacity of "
              + channel.capacity()
              + " bytes");
    }
    long nanos = nanos(timeout);
    long offset;
    try {
      offset = channel.create(id, size, copy, 0);
    } catch (StoreFullException full) {
      if (nanos == 0) {
        throw full;
      }
      // wait for space on an extra connection, so this client's other threads keep going
      ClientChannel w = borrowWaiter();
      try {
        offset = w.create(id, size, copy, nanos);
      } finally {
        returnWaiter(w);
      }
    }
    return new ObjectWriter(this, id, offset, size);
  }

  /**
   * Gets a sealed object, waiting up to the server's default timeout for its seal, and pins it.
   *
   * @param id the id
   * @return the pinned object; close it to release the pin
   * @throws ObjectNotFoundException if there is no such object
   * @throws StoreTimeoutException if it was not sealed in time
   */
  public ObjectBuffer get(ObjectId id) {
    return get(id, defaultTimeout);
  }

  /**
   * Gets a sealed object (restoring it from disk if it was spilled) and pins it.
   *
   * @param id the id
   * @param timeout how long to wait for the object to be sealed
   * @return the pinned object; close it to release the pin
   * @throws ObjectNotFoundException if there is no such object
   * @throws StoreTimeoutException if it was not sealed in time
   */
  public ObjectBuffer get(ObjectId id, Duration timeout) {
    Objects.requireNonNull(id, "id");
    long nanos = nanos(timeout);
    long[] r = new long[2];
    try {
      channel.get(id, 0, r);
    } catch (StoreTimeoutException | StoreFullException mustWait) {
      // not sealed yet, or spilled and no room to restore it without waiting
      if (nanos == 0) {
        throw mustWait;
      }
      // wait for the seal on an extra connection, so this client's other threads keep going
      ClientChannel w = borrowWaiter();
      try {
        w.get(id, nanos, r);
      } finally {
        returnWaiter(w);
      }
    }
    return new ObjectBuffer(this, id, r[0], r[1]);
  }

  /**
   * Deletes a sealed object; its memory is freed once every pin is released.
   *
   * @param id the id
   * @throws ObjectNotFoundException if there is no such object
   * @throws ObjectNotSealedException if it is still being created
   */
  public void delete(ObjectId id) {
    channel.call(Protocol.DELETE, Objects.requireNonNull(id, "id"));
  }

  /**
   * Returns whether a sealed object with this id is in the store (in memory or spilled).
   *
   * @param id the id
   * @return true if present and sealed
   */
  public boolean contains(ObjectId id) {
    return channel.call(Protocol.CONTAINS, Objects.requireNonNull(id, "id"));
  }

  /**
   * Returns the store's counters.
   *
   * @return the stats
   */
  public StoreStats stats() {
    return channel.stats();
  }

  /**
   * Returns a snapshot of the object table.
   *
   * @return one entry per object
   */
  public List<ObjectInfo> list() {
    return channel.list();
  }

  /**
   * Waits until the server has processed every earlier request of this client and throws the first
   * failure of an earlier one-way seal or release, if any.
   */
  public void sync() {
    channel.sync();
  }

  // ------------------------------------------------------------------ Arrow

  /**
   * Stores a root as an Arrow IPC stream (one copy, into shared memory) and seals it.
   *
   * @param id a fresh id
   * @param root the root (not modified; still owned by the caller)
   * @throws InvalidRequestException if the root has dictionary-encoded fields
   */
  public void putRoot(ObjectId id, VectorSchemaRoot root) {
    try (ArrowIpc.EncodedRoot encoded = ArrowIpc.encode(root);
        ObjectWriter w = create(id, encoded.totalSize())) {
      encoded.writeTo(w.segment());
      w.seal();
    }
  }

  /**
   * Gets a root backed by shared memory, accounted to the client's own allocator.
   *
   * @param id the id
   * @param timeout how long to wait for the seal
   * @return the root; close it to release the pin
   */
  public ArrowObject getRoot(ObjectId id, Duration timeout) {
    return getRoot(id, allocator(), timeout);
  }

  /**
   * Gets a root backed by shared memory (zero-copy): every buffer lies inside the mapping. The
   * wrapped bytes count against {@code allocator}'s limit.
   *
   * @param id the id
   * @param allocator the allocator that accounts for the root's buffers
   * @param timeout how long to wait for the seal
   * @return the root; close it to release the pin
   * @throws InvalidRequestException if the object is not a well-formed Arrow IPC stream
   */
  public ArrowObject getRoot(ObjectId id, BufferAllocator allocator, Duration timeout) {
    ObjectBuffer buf = get(id, timeout);
    try {
      return new ArrowObject(id, ArrowIpc.readRoot(buf.segment(), allocator, buf::close));
    } catch (RuntimeException e) {
      buf.close();
      throw e;
    }
  }

  /**
   * Stores bytes as a payload object and seals it.
   *
   * @param id a fresh id
   * @param data the payload
   * @param metadata user metadata (may be empty)
   */
  public void putBytes(ObjectId id, byte[] data, byte[] metadata) {
    putPayload(id, MemorySegment.ofArray(data), metadata);
  }

  /**
   * Stores the contents of a segment (heap or native, any size) as a payload object and seals it.
   *
   * @param id a fresh id
   * @param data the payload
   * @param metadata user metadata (may be empty)
   */
  public void putPayload(ObjectId id, MemorySegment data, byte[] metadata) {
    try (PayloadWriter w = createPayload(id, data.byteSize(), metadata)) {
      MemorySegment.copy(data, 0, w.data(), 0, data.byteSize());
      w.seal();
    }
  }

  /**
   * Creates a payload object to be written in place: fill {@link PayloadWriter#data()}, then seal.
   * Payloads may exceed 2 GiB (the column is {@code LargeBinary}, 64-bit offsets).
   *
   * @param id a fresh id
   * @param size payload bytes
   * @param metadata user metadata (may be empty)
   * @return the writer
   */
  public PayloadWriter createPayload(ObjectId id, long size, byte[] metadata) {
    ArrowIpc.PayloadLayout layout =
        ArrowIpc.payloadLayout(size, Objects.requireNonNull(metadata, "metadata"));
    ObjectWriter w = create(id, layout.totalSize());
    try {
      ArrowIpc.writePayloadFraming(w.segment(), layout);
      return new PayloadWriter(w, layout.dataOffset(), size);
    } catch (RuntimeException e) {
      w.close();
      throw e;
    }
  }

  /**
   * Gets a payload object zero-copy.
   *
   * @param id the id
   * @param timeout how long to wait for the seal
   * @return the payload; close it to release the pin
   * @throws InvalidRequestException if the object is not a payload object
   */
  public Payload getPayload(ObjectId id, Duration timeout) {
    ObjectBuffer buf = get(id, timeout);
    try {
      ArrowIpc.PayloadView v = ArrowIpc.readPayload(buf.segment());
      return new Payload(buf, buf.segment().asSlice(v.dataOffset(), v.dataLength()), v.metadata());
    } catch (RuntimeException e) {
      buf.close();
      throw e;
    }
  }

  /**
   * Gets a payload object with the server's default timeout.
   *
   * @param id the id
   * @return the payload; close it to release the pin
   */
  public Payload getPayload(ObjectId id) {
    return getPayload(id, defaultTimeout);
  }

  // ------------------------------------------------------------------ the mapping

  /**
   * Returns this client's read-only mapping of the whole shared-memory file, through which every
   * sealed object is read.
   *
   * @return the segment (read-only: writes throw; write only through an {@link ObjectWriter})
   */
  public MemorySegment mapping() {
    return memory.segment();
  }

  /**
   * Returns whether a native address lies inside one of this client's shared mappings, the
   * read-only one of sealed objects or the read-write one of objects being created (the proof that
   * a buffer is zero-copy).
   *
   * @param address a native address, e.g. {@code ArrowBuf.memoryAddress()}
   * @return true if inside
   */
  public boolean isInMapping(long address) {
    SharedMemory w = writeMemory;
    return memory.contains(address) || (w != null && w.contains(address));
  }

  /**
   * Returns the shared-memory file this client mapped.
   *
   * @return the path
   */
  public Path shmPath() {
    return memory.path();
  }

  /**
   * Returns the store's capacity.
   *
   * @return bytes
   */
  public long capacity() {
    return channel.capacity();
  }

  /**
   * Returns the server's default timeout.
   *
   * @return the timeout
   */
  public Duration defaultTimeout() {
    return defaultTimeout;
  }

  /**
   * Closes the connection (the server releases this client's pins and aborts its unsealed objects)
   * and the client's own allocator (roots obtained with it must be closed first). The mapping is
   * unmapped once every writer, buffer and root of this client is closed too, so a handle that
   * outlives the client never reads unmapped memory.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
      waiters.clear();
      for (ClientChannel w : allWaiters) {
        w.close();
      }
      RootAllocator a = allocator;
      if (a != null) {
        a.close();
      }
    } finally {
      releaseMapping();
    }
  }

  /** Keeps the mapping alive for a writer or buffer (so late reads never hit unmapped memory). */
  void retainMapping() {
    mappingUsers.incrementAndGet();
  }

  /** Drops one user of the mappings; the last one unmaps them. */
  void releaseMapping() {
    if (mappingUsers.decrementAndGet() == 0) {
      synchronized (this) {
        memory.close();
        SharedMemory w = writeMemory;
        if (w != null) {
          w.close();
        }
      }
    }
  }

  /**
   * Returns the read-write mapping for filling objects being created, mapping it on first use.
   *
   * @throws StoreClosedException if the client and all its handles are closed
   */
  MemorySegment writableMapping() {
    SharedMemory w = writeMemory;
    if (w == null) {
      synchronized (this) {
        w = writeMemory;
        if (w == null) {
          if (mappingUsers.get() == 0) {
            throw new StoreClosedException("this store client is closed; connect a new one");
          }
          w = SharedMemory.open(memory.path(), memory.segment().byteSize(), true);
          writeMemory = w;
        }
      }
    }
    return w.segment();
  }

  ClientChannel channel() {
    return channel;
  }

  private ClientChannel borrowWaiter() {
    if (closed.get()) {
      throw new StoreClosedException("this store client is closed; connect a new one");
    }
    ClientChannel w = waiters.poll();
    if (w == null) {
      w = ClientChannel.connect(socketPath, group);
      allWaiters.add(w);
      if (closed.get()) {
        w.close();
        throw new StoreClosedException("this store client is closed; connect a new one");
      }
    }
    return w;
  }

  private void returnWaiter(ClientChannel w) {
    if (w.isClosed()) {
      allWaiters.remove(w);
      return;
    }
    if (closed.get() || waiters.size() >= MAX_IDLE_WAITERS) {
      w.close();
      allWaiters.remove(w);
    } else {
      waiters.push(w);
      if (closed.get() && waiters.remove(w)) { // raced with close()
        w.close();
      }
    }
  }

  private BufferAllocator allocator() {
    RootAllocator a = allocator;
    if (a == null) {
      synchronized (this) {
        a = allocator;
        if (a == null) {
          a = new RootAllocator(Long.MAX_VALUE);
          allocator = a;
        }
      }
    }
    return a;
  }

  private static long nanos(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new InvalidRequestException("timeout must not be negative, got " + timeout);
    }
    return timeout.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE / 4 : timeout.toNanos();
  }
}
