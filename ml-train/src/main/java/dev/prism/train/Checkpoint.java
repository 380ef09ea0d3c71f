package dev.prism.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A checkpoint: a directory of files (a DJL {@code Model.save}, optimizer state, anything the
 * training function wants back). Inside a training function, {@link #create()} a fresh one, write
 * into {@link #path()}, and hand it to {@link TrainContext#report(java.util.Map, Checkpoint)}: rank
 * 0's is moved under the run's storage path (atomically: copied to a temporary name, then renamed).
 * The checkpoint to resume from is {@link TrainContext#checkpoint()}.
 *
 * @param path the directory
 */
public record Checkpoint(Path path) {

  /**
   * Checks the path.
   *
   * @param path the directory
   */
  public Checkpoint {
    Objects.requireNonNull(path, "path");
  }

  /**
   * A fresh, empty directory to write a checkpoint into.
   *
   * @return the checkpoint
   * @throws UncheckedIOException if no temporary directory can be made
   */
  public static Checkpoint create() {
    try {
      return new Checkpoint(Files.createTempDirectory("prism-checkpoint-"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a checkpoint directory: " + e.getMessage(), e);
    }
  }

  /**
   * A file of the checkpoint.
   *
   * @param name the file's name
   * @return its path
   */
  public Path file(String name) {
    return path.resolve(name);
  }
}
