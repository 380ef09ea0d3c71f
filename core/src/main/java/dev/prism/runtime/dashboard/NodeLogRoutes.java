package dev.prism.runtime.dashboard;

import dev.prism.runtime.http.HttpException;
import dev.prism.runtime.http.HttpServer;
import dev.prism.runtime.http.Request;
import dev.prism.runtime.http.Response;
import dev.prism.runtime.logging.LogTail;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every node's log over its HTTP server, so that {@code prism logs} reaches the nodes of other
 * machines: {@code GET /api/v0/node/log} answers the node's log lines (its own output, and its
 * workers' lines prefixed {@code (pid=N) }) as JSON {@code {"node_id", "lines", "offset"}}.
 *
 * <ul>
 *   <li>{@code tail=N}: the last N lines (default {@value #DEFAULT_TAIL}; 0 for all, read at most
 *       {@value #MAX_BYTES_BACK} bytes back);
 *   <li>{@code offset=O}: instead, the lines completed after offset O (at most {@value
 *       #FOLLOW_BYTES} bytes a request), to follow the log: each answer's {@code offset} is the
 *       next request's;
 *   <li>{@code pid=P[,P...]}: only those workers' lines.
 * </ul>
 *
 * <p>Each node publishes its HTTP server's URL in the GCS's key-value store (namespace {@value
 * #KV_NAMESPACE}, key: the node id), where clients on any machine find it.
 */
public final class NodeLogRoutes {

  /** The key-value namespace where each node's HTTP URL is kept, by node id. */
  public static final String KV_NAMESPACE = "_prism_node_http";

  /** The route's path. */
  public static final String PATH = "/api/v0/node/log";

  static final int DEFAULT_TAIL = 1000;
  static final long MAX_BYTES_BACK = 64L << 20;
  static final int FOLLOW_BYTES = 1 << 20;

  private NodeLogRoutes() {}

  /**
   * Adds the log route.
   *
   * @param b the node's server
   * @param nodeId the node's id
   * @param log the node's log file
   */
  public static void add(HttpServer.Builder b, String nodeId, Path log) {
    b.route("GET", PATH, r -> answer(r, nodeId, log));
  }

  private static Response answer(Request r, String nodeId, Path log) {
    Predicate<String> keep = pidFilter(r.param("pid").orElse(""));
    if (!Files.exists(log)) {
      throw new HttpException(404, "node " + nodeId + " has no log file " + log.getFileName());
    }
    LogTail.Chunk chunk;
    try {
      if (r.param("offset").isPresent()) {
        long offset = number(r, "offset", 0, Long.MAX_VALUE, 0);
        chunk = LogTail.after(log, offset, FOLLOW_BYTES, keep);
      } else {
        int tail = (int) number(r, "tail", 0, Integer.MAX_VALUE, DEFAULT_TAIL);
        chunk = LogTail.last(log, tail, MAX_BYTES_BACK, keep);
      }
    } catch (IOException e) {
      throw new HttpException(500, "cannot read node " + nodeId + "'s log: " + e.getMessage());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("node_id", nodeId);
    body.put("lines", chunk.lines());
    body.put("offset", chunk.offset());
    return Response.json(body);
  }

  /**
   * Keeps the lines of the given worker pids (their {@code (pid=N) } prefix).
   *
   * @param pids process ids separated by commas; blank keeps every line
   * @return the filter
   * @throws HttpException (400) when a pid is not a number
   */
  public static Predicate<String> pidFilter(String pids) {
    if (pids.isBlank()) {
      return l -> true;
    }
    Set<String> prefixes;
    try {
      prefixes =
          java.util.Arrays.stream(pids.split(","))
              .map(String::strip)
              .map(Long::parseLong)
              .map(p -> "(pid=" + p + ") ")
              .collect(Collectors.toSet());
    } catch (NumberFormatException e) {
      throw new HttpException(
          400, "pid must be process ids separated by commas, not '" + pids + "'");
    }
    return l -> {
      int end = l.indexOf(") ");
      return end > 0 && prefixes.contains(l.substring(0, end + 2));
    };
  }

  private static long number(Request r, String name, long min, long max, long absent) {
    String text = r.param(name).orElse(null);
    if (text == null) {
      return absent;
    }
    try {
      long v = Long.parseLong(text.strip());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new HttpException(
        400, name + " must be a whole number from " + min + ", not '" + text + "'");
  }
}
