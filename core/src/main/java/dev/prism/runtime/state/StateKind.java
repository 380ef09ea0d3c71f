package dev.prism.runtime.state;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What {@code prism list} lists. */
public enum StateKind {
  /** The nodes, alive and dead. */
  NODES("nodes"),
  /** The jobs (drivers), running and finished. */
  JOBS("jobs"),
  /** The actors. */
  ACTORS("actors"),
  /** The task attempts the GCS keeps from task events. */
  TASKS("tasks"),
  /** The objects in the nodes' stores. */
  OBJECTS("objects"),
  /** The worker processes of the nodes' pools. */
  WORKERS("workers"),
  /** The placement groups. */
  PLACEMENT_GROUPS("placement-groups");

  private final String word;

  StateKind(String word) {
    this.word = word;
  }

  /**
   * The kind's name on the command line.
   *
   * @return e.g. {@code placement-groups}
   */
  public String word() {
    return word;
  }

  /**
   * Every kind's name, for messages.
   *
   * @return e.g. {@code nodes, jobs, ...}
   */
  public static String words() {
    return Arrays.stream(values()).map(StateKind::word).collect(Collectors.joining(", "));
  }

  /**
   * The kind a word names: its name (singular or plural, any case, {@code _} for {@code -}).
   *
   * @param word the word
   * @return the kind
   * @throws IllegalArgumentException naming the kinds, if none matches
   */
  public static StateKind parse(String word) {
    String w = word.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (StateKind k : values()) {
      if (k.word.equals(w) || k.word.equals(w + "s")) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown kind '" + word + "'; the kinds are " + words());
  }
}
