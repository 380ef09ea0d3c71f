package dev.prism.store.internal;

import dev.prism.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A shared-memory file mapped into this process. The server creates the file (sparse: no page is
 * touched until written), maps it read-write and deletes it on close; clients map the existing file
 * read-only for reading sealed objects and, once they create objects, a second time read-write (see
 * {@code StoreClient}). Internal: not part of the API.
 */
public final class SharedMemory implements AutoCloseable {

  private final Path path;
  private final Arena arena;
  private final MemorySegment segment;
  private final boolean owner;

  private SharedMemory(Path path, Arena arena, MemorySegment segment, boolean owner) {
    this.path = path;
    this.arena = arena;
    this.segment = segment;
    this.owner = owner;
  }

  /**
   * Creates a new sparse file of {@code size} bytes and maps it; the file is deleted on close.
   *
   * @param path the file, which must not exist
   * @param size bytes
   * @return the mapping
   */
  public static SharedMemory create(Path path, long size) {
    // Readable by its owner only: it holds every object's bytes.
    try (FileChannel ch =
        FileChannel.open(
            path,
            java.util.Set.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PrivateFiles.ownerOnlyFile(path))) {
      try {
        // Extend sparsely: writing one byte at the end sets the size without touching pages.
        ch.write(java.nio.ByteBuffer.allocate(1), size - 1);
        Arena arena = Arena.ofShared();
        MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
        return new SharedMemory(path, arena, seg, true);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(path);
        throw e;
      }
    } catch (IOException e) {
      throw new StoreException(
          "cannot create shared-memory file "
              + path
              + " of "
              + size
              + " bytes: "
              + e.getMessage()
              + " (is the directory on tmpfs and large enough?)",
          e);
    }
  }

  /**
   * Maps an existing file that a server created.
   *
   * <p>A read-only mapping is mapped with {@code PROT_READ}: its segment (and every slice and byte
   * buffer of it) refuses writes with an exception, and a write through a raw address inside it
   * (Arrow's {@code ArrowBuf}, {@code Unsafe}) makes the kernel stop this process with {@code
   * SIGSEGV} without changing the file.
   *
   * @param path the file
   * @param size the server's capacity
   * @param writable whether to map it read-write (to fill objects being created) or read-only
   * @return the mapping; closing it unmaps but keeps the file
   */
  public static SharedMemory open(Path path, long size, boolean writable) {
    try (FileChannel ch =
        writable
            ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(path, StandardOpenOption.READ)) {
      Arena arena = Arena.ofShared();
      MemorySegment seg =
          ch.map(
              writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY,
              0,
              size,
              arena);
      return new SharedMemory(path, arena, seg, false);
    } catch (IOException e) {
      throw new StoreException(
          "cannot map the store's shared-memory file "
              + path
              + ": "
              + e.getMessage()
              + " (is the server on this node still running?)",
          e);
    }
  }

  /**
   * Returns the whole mapping.
   *
   * @return the segment
   */
  public MemorySegment segment() {
    return segment;
  }

  /**
   * Returns the file.
   *
   * @return the path
   */
  public Path path() {
    return path;
  }

  /**
   * Returns whether {@code address} lies inside the mapping.
   *
   * @param address a native address
   * @return true if inside
   */
  public boolean contains(long address) {
    return address >= segment.address() && address < segment.address() + segment.byteSize();
  }

  @Override
  public void close() {
    arena.close();
    if (owner) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete shared-memory file " + path, e);
      }
    }
  }
}
