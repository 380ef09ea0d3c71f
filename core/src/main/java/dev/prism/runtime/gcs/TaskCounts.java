package dev.prism.runtime.gcs;

import java.util.Map;

/**
 * The GCS's task counts, for metrics.
 *
 * @param submitted task attempts submitted since the GCS started (dropped ones included)
 * @param ended attempts that ended since the GCS started, by how ({@code FINISHED}, {@code FAILED},
 *     {@code CANCELLED})
 * @param held the attempts the GCS holds now, by state ({@code SUBMITTED}, {@code RUNNING}, ...)
 * @param dropped attempts dropped from the bounded store
 */
public record TaskCounts(
    long submitted, Map<String, Long> ended, Map<String, Long> held, long dropped) {

  /** Copies the maps. */
  public TaskCounts {
    ended = Map.copyOf(ended);
    held = Map.copyOf(held);
  }
}
