package dev.prism.runtime.cli;

import java.util.Optional;
import java.util.Properties;

/**
 * What a node process started by {@code prism start} leaves in its session directory ({@code
 * nodes/<name>.properties}): enough for {@code prism stop} to find and stop it (pid and start time,
 * so a reused pid is never taken for it) and remove its files, and for {@code prism status} to find
 * the cluster.
 *
 * @param name the record's name, {@code head-<id8>} or {@code node-<id8>}
 * @param head whether the process runs the GCS too
 * @param state {@link #STARTING}, {@link #READY}, {@link #FAILED} or {@link #STOPPED}
 * @param pid the node process's pid (0 while unknown)
 * @param startTime the process's start time as {@link ProcessHandle.Info#startInstant()} gives it
 *     (epoch milliseconds), 0 while unknown
 * @param nodeId the node id
 * @param nodeAddress the node manager's {@code host:port}, empty until ready
 * @param gcsAddress the GCS's {@code host:port}, empty until known
 * @param storeShm the object store's shared-memory file, empty until ready
 * @param storeSocket the object store's socket, empty until ready
 * @param message why it failed, empty otherwise
 * @param httpUrl the node's HTTP server ({@code http://host:port}): the head's dashboard, another
 *     node's metrics endpoint; empty until ready
 */
public record NodeRecord(
    String name,
    boolean head,
    String state,
    long pid,
    long startTime,
    String nodeId,
    String nodeAddress,
    String gcsAddress,
    String storeShm,
    String storeSocket,
    String message,
    String httpUrl) {

  /** Launched, not yet serving. */
  public static final String STARTING = "starting";

  /** Serving (and, for a non-head node, registered with the GCS). */
  public static final String READY = "ready";

  /** Could not start; {@link #message()} says why. */
  public static final String FAILED = "failed";

  /** Stopped by {@code prism stop}, or exited. */
  public static final String STOPPED = "stopped";

  /**
   * Returns the record of a process just launched.
   *
   * @param head whether it is a head
   * @param nodeId its node id
   * @param pid its pid
   * @return the record, {@link #STARTING}
   */
  static NodeRecord starting(boolean head, String nodeId, long pid) {
    return new NodeRecord(
        nameOf(head, nodeId), head, STARTING, pid, 0, nodeId, "", "", "", "", "", "");
  }

  /** The record's file name stem for a node. */
  static String nameOf(boolean head, String nodeId) {
    return (head ? "head-" : "node-") + nodeId.substring(0, Math.min(8, nodeId.length()));
  }

  /**
   * Returns a copy in another state.
   *
   * @param newState the state
   * @param why the message (empty for none)
   * @return the copy
   */
  NodeRecord withState(String newState, String why) {
    return new NodeRecord(
        name,
        head,
        newState,
        pid,
        startTime,
        nodeId,
        nodeAddress,
        gcsAddress,
        storeShm,
        storeSocket,
        why,
        httpUrl);
  }

  /**
   * Whether the process this record names is alive: same pid and, when known, the same start time
   * (a pid reused by another process does not count).
   *
   * @return the live process, or empty
   */
  Optional<ProcessHandle> liveProcess() {
    if (pid <= 0) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                startTime == 0
                    || p.info()
                        .startInstant()
                        .map(i -> i.toEpochMilli() == startTime)
                        .orElse(true));
  }

  Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("name", name);
    p.setProperty("role", head ? "head" : "node");
    p.setProperty("state", state);
    p.setProperty("pid", Long.toString(pid));
    p.setProperty("start.time", Long.toString(startTime));
    p.setProperty("node.id", nodeId);
    p.setProperty("node.address", nodeAddress);
    p.setProperty("gcs.address", gcsAddress);
    p.setProperty("store.shm", storeShm);
    p.setProperty("store.socket", storeSocket);
    p.setProperty("message", message);
    p.setProperty("http.url", httpUrl);
    return p;
  }

  static NodeRecord fromProperties(Properties p) {
    return new NodeRecord(
        p.getProperty("name", ""),
        "head".equals(p.getProperty("role")),
        p.getProperty("state", STARTING),
        parseLong(p.getProperty("pid")),
        parseLong(p.getProperty("start.time")),
        p.getProperty("node.id", ""),
        p.getProperty("node.address", ""),
        p.getProperty("gcs.address", ""),
        p.getProperty("store.shm", ""),
        p.getProperty("store.socket", ""),
        p.getProperty("message", ""),
        p.getProperty("http.url", ""));
  }

  private static long parseLong(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
