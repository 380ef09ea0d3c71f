package dev.prism.store.internal;

import dev.prism.store.ObjectId;
import dev.prism.store.StoreException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * Writes objects to files in a private spill directory and reads them back. The directory is
 * created on start and removed, with every file in it, on close. Internal: not part of the API.
 */
public final class Spiller implements AutoCloseable {

  private static final int CHUNK = 1 << 30;

  private final Path dir;
  private final boolean createdParent;

  /**
   * Creates the spill directory.
   *
   * @param dir the directory to create (its parent may not exist yet)
   */
  public Spiller(Path dir) {
    this.dir = dir;
    this.createdParent = dir.getParent() != null && !Files.exists(dir.getParent());
    try {
      // Only its owner can enter it: spill files hold objects' bytes.
      Files.createDirectories(dir, PrivateFiles.ownerOnlyDirectory(dir));
    } catch (IOException e) {
      throw new StoreException(
          "cannot create spill directory "
              + dir
              + ": "
              + e.getMessage()
              + "; configure a writable spillDirectory",
          e);
    }
  }

  /**
   * Returns the directory.
   *
   * @return the path
   */
  public Path directory() {
    return dir;
  }

  /**
   * Writes an object's bytes to its spill file.
   *
   * @param id the object
   * @param bytes its bytes in shared memory
   */
  public void write(ObjectId id, MemorySegment bytes) {
    Path file = file(id);
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (long pos = 0; pos < bytes.byteSize(); ) {
        ByteBuffer buf = bytes.asSlice(pos, Math.min(CHUNK, bytes.byteSize() - pos)).asByteBuffer();
        while (buf.hasRemaining()) {
          pos += ch.write(buf, pos);
        }
      }
    } catch (IOException e) {
      throw new StoreException(
          "cannot spill object "
              + id
              + " ("
              + bytes.byteSize()
              + " bytes) to "
              + file
              + ": "
              + e.getMessage()
              + "; free disk space in the spill"
              + " directory",
          e);
    }
  }

  /**
   * Reads an object's bytes back from its spill file.
   *
   * @param id the object
   * @param into where to put the bytes (exactly the object's size)
   */
  public void read(ObjectId id, MemorySegment into) {
    Path file = file(id);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() != into.byteSize()) {
        throw new StoreException(
            "spill file "
                + file
                + " has "
                + ch.size()
                + " bytes, expected "
                + into.byteSize()
                + "; the spill directory was modified");
      }
      for (long pos = 0; pos < into.byteSize(); ) {
        ByteBuffer buf = into.asSlice(pos, Math.min(CHUNK, into.byteSize() - pos)).asByteBuffer();
        while (buf.hasRemaining()) {
          int n = ch.read(buf, pos);
          if (n < 0) {
            throw new StoreException("spill file " + file + " is truncated");
          }
          pos += n;
        }
      }
    } catch (IOException e) {
      throw new StoreException(
          "cannot restore object " + id + " from " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Removes an object's spill file if it exists.
   *
   * @param id the object
   */
  public void remove(ObjectId id) {
    try {
      Files.deleteIfExists(file(id));
    } catch (IOException e) {
      throw new StoreException("cannot remove spill file " + file(id) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
      if (createdParent) {
        try (Stream<Path> rest = Files.list(dir.getParent())) {
          if (rest.findAny().isEmpty()) {
            Files.deleteIfExists(dir.getParent());
          }
        }
      }
    } catch (IOException e) {
      throw new StoreException("cannot remove spill directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private Path file(ObjectId id) {
    return dir.resolve(id + ".spill");
  }
}
