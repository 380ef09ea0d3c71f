package dev.prism.runtime.cli;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.rpc.NodeInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends a joined node when its cluster is gone: the GCS has not answered for a while (the head was
 * stopped or died), or it declared this node dead (it missed its reports and the cluster went on
 * without it). Like Ray's raylet, such a node stops rather than running workers nobody can reach.
 * How long it waits is given by the caller (the node process reads {@code
 * prism.node.gcsLossTimeoutMs}, default 60 s: {@link #lossTimeoutFromSystemProperties()}).
 */
final class GcsWatch implements AutoCloseable {

  /** How long the GCS may stay unreachable before the node stops, unless configured. */
  static final Duration DEFAULT_LOSS_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration PERIOD = Duration.ofSeconds(1);

  /**
   * The loss timeout of this process: the system property {@code prism.node.gcsLossTimeoutMs}
   * (which {@code prism start} passes on to the node process), else {@link #DEFAULT_LOSS_TIMEOUT}.
   *
   * @return the timeout
   * @throws CliException if the property is not a positive number of milliseconds
   */
  static Duration lossTimeoutFromSystemProperties() {
    String ms = System.getProperty("prism.node.gcsLossTimeoutMs");
    if (ms == null) {
      return DEFAULT_LOSS_TIMEOUT;
    }
    try {
      long v = Long.parseLong(ms.trim());
      if (v > 0) {
        return Duration.ofMillis(v);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CliException.failure(
        "the system property prism.node.gcsLossTimeoutMs is '"
            + ms
            + "'; give a positive number of milliseconds");
  }

  private final String gcsAddress;
  private final dev.prism.runtime.security.ClusterToken token;
  private final String nodeId;
  private final Runnable stop;
  private final Duration lossTimeout;
  private final ScheduledExecutorService timer;
  private GcsClient client;
  private long lastAnswerNanos = System.nanoTime();
  private boolean stopping;

  /**
   * Starts watching.
   *
   * @param gcsAddress the GCS's {@code host:port}
   * @param token the cluster token
   * @param nodeId this node's id
   * @param lossTimeout how long the GCS may stay unreachable before the node stops
   * @param stop what stops this node (called once, with the reason printed first)
   */
  GcsWatch(
      String gcsAddress,
      dev.prism.runtime.security.ClusterToken token,
      String nodeId,
      Duration lossTimeout,
      Runnable stop) {
    this.gcsAddress = gcsAddress;
    this.lossTimeout = lossTimeout;
    this.token = token;
    this.nodeId = nodeId;
    this.stop = stop;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prism-gcs-watch");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::check, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    if (stopping) {
      return;
    }
    try {
      if (client == null) {
        client = GcsClient.connect(gcsAddress, Duration.ofSeconds(2), token);
      }
      List<NodeInfo> nodes = client.getAllNodes();
      lastAnswerNanos = System.nanoTime();
      for (NodeInfo n : nodes) {
        if (n.getNodeId().equals(nodeId) && !n.getAlive()) {
          giveUp(
              "the GCS at " + gcsAddress + " declared this node dead (" + n.getDeathReason() + ")");
          return;
        }
      }
    } catch (RuntimeException e) {
      long silentNanos = System.nanoTime() - lastAnswerNanos;
      if (silentNanos > lossTimeout.toNanos()) {
        giveUp(
            "the GCS at "
                + gcsAddress
                + " has not answered for "
                + TimeUnit.NANOSECONDS.toSeconds(silentNanos)
                + " s ("
                + e.getMessage()
                + ")");
      }
    }
  }

  private void giveUp(String why) {
    stopping = true;
    System.out.println("prism node: " + why + "; stopping this node");
    System.out.flush();
    stop.run();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (client != null) {
      try {
        client.close();
      } catch (RuntimeException e) {
        // Closing anyway.
      }
    }
  }
}
