package dev.prism;

import java.util.List;
import java.util.Objects;

/**
 * What {@link Prism#wait(List, int, java.time.Duration)} found: the refs whose objects are ready
 * and the rest, each in the order given.
 *
 * @param ready refs whose objects are ready (at most the number asked for)
 * @param unready the other refs
 * @param <T> the type of the values
 */
public record WaitResult<T>(List<ObjectRef<T>> ready, List<ObjectRef<T>> unready) {

  /**
   * Copies the lists, so the result is immutable.
   *
   * @param ready the ready refs
   * @param unready the other refs
   */
  public WaitResult {
    ready = List.copyOf(Objects.requireNonNull(ready, "ready"));
    unready = List.copyOf(Objects.requireNonNull(unready, "unready"));
  }
}
