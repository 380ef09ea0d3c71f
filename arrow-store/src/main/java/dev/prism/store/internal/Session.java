package dev.prism.store.internal;

import dev.prism.store.ObjectId;
import java.util.HashMap;
import java.util.Map;

/**
 * What one client holds in the store: its pins (with counts) and the objects it created but has not
 * sealed yet. A client may use several connections (one for quick requests, others for blocking
 * waits); they share one session, which the server releases and aborts when the last of them drops.
 * Guarded by the store core's lock. Internal: not part of the API.
 */
public final class Session {

  /** A pin of one object by this session. */
  static final class Pin {
    final ObjectEntry entry;
    int count;

    Pin(ObjectEntry entry) {
      this.entry = entry;
    }
  }

  private final String name;
  final long group;
  int connections;
  boolean dead;
  final Map<ObjectId, Pin> pins = new HashMap<>();
  final Map<ObjectId, ObjectEntry> creations = new HashMap<>();

  /**
   * Creates a session.
   *
   * @param name a name for logs (e.g. the peer's pid)
   * @param group the client's id: every connection of one client shares its session
   */
  public Session(String name, long group) {
    this.name = name;
    this.group = group;
  }

  /**
   * Returns the session's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return name;
  }
}
