package dev.prism.collective.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One shared-memory buffer per rank, every rank mapping every buffer: the same-machine path of a
 * group whose ranks all share one host. Each rank writes only its own buffer; the others read it. A
 * buffer is a file under {@code /dev/shm} that lives by name only while the group maps it: its
 * owner creates it, every rank maps it between two barriers, and its owner unlinks it, so a killed
 * process leaves no file behind (the mappings keep the memory until the last rank lets go). Growing
 * to a larger capacity repeats that with new files.
 */
public final class SharedBuffers implements AutoCloseable {
  private static final Path SHM = Path.of("/dev/shm");

  private final int rank;
  private final int worldSize;
  private final String prefix;
  private Arena arena;
  private MemorySegment[] buffers;
  private long capacity;
  private int generation;

  private SharedBuffers(int rank, int worldSize, String prefix) {
    this.rank = rank;
    this.worldSize = worldSize;
    this.prefix = prefix;
  }

  /**
   * The shared buffers of a group, or null when its ranks are not all on this host's address (or
   * this machine has no {@code /dev/shm}).
   *
   * @param rank this rank
   * @param addresses every rank's {@code host:port}
   * @return the (still empty) buffers, or null
   */
  public static SharedBuffers forGroup(int rank, List<String> addresses) {
    if (addresses.size() < 2 || !Files.isDirectory(SHM) || !Files.isWritable(SHM)) {
      return null;
    }
    String host = host(addresses.getFirst());
    for (String a : addresses) {
      if (!host(a).equals(host)) {
        return null;
      }
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(String.join(",", addresses).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String prefix =
        "prism-collective-"
            + Integer.toHexString(addresses.hashCode())
            + "-"
            + Long.toHexString(crc.getValue());
    return new SharedBuffers(rank, addresses.size(), prefix);
  }

  private static String host(String address) {
    return address.substring(0, address.lastIndexOf(':'));
  }

  /**
   * The capacity every buffer has now.
   *
   * @return bytes
   */
  public long capacity() {
    return capacity;
  }

  /**
   * Makes every buffer hold at least {@code bytes}; every rank calls it with the same size.
   *
   * @param bytes the size needed
   * @param barrier waits for every rank (over the group's connections)
   */
  public void ensure(long bytes, Runnable barrier) {
    if (bytes <= capacity) {
      return;
    }
    long size = Math.max(1L << 20, Long.highestOneBit(bytes - 1) << 1);
    generation++;
    Path own = file(rank);
    Arena next = Arena.ofShared();
    MemorySegment[] mapped = new MemorySegment[worldSize];
    try {
      try (FileChannel ch =
          FileChannel.open(
              own,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE)) {
        ch.truncate(size);
        mapped[rank] = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, next);
      }
      barrier.run();
      for (int k = 0; k < worldSize; k++) {
        if (k != rank) {
          try (FileChannel ch =
              FileChannel.open(file(k), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            mapped[k] = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, next);
          }
        }
      }
      barrier.run();
    } catch (RuntimeException e) {
      next.close();
      throw e;
    } catch (IOException e) {
      next.close();
      throw new UncheckedIOException(
          "rank "
              + rank
              + " cannot share a "
              + size
              + "-byte buffer in "
              + SHM
              + ": "
              + e.getMessage(),
          e);
    } finally {
      try {
        Files.deleteIfExists(own);
      } catch (IOException ignored) {
        // the name goes with the next generation's, or with the machine
      }
    }
    if (arena != null) {
      arena.close();
    }
    arena = next;
    buffers = mapped;
    capacity = size;
  }

  /**
   * A rank's buffer (this rank's to write, the others' to read).
   *
   * @param k the rank
   * @return its buffer, {@link #capacity()} bytes
   */
  public MemorySegment buffer(int k) {
    return buffers[k];
  }

  private Path file(int k) {
    return SHM.resolve(prefix + "-g" + generation + "-r" + k);
  }

  /** Unmaps every buffer. */
  @Override
  public void close() {
    if (arena != null) {
      arena.close();
      arena = null;
    }
    try {
      Files.deleteIfExists(file(rank));
    } catch (IOException ignored) {
      // best effort
    }
  }
}
