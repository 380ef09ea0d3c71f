package dev.prism.runtime.worker;

import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.security.ClusterToken;
import io.grpc.ManagedChannel;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gRPC channels of one process to other processes (node managers, the GCS, workers), one per
 * {@code host:port}, created on first use and shared. Every call carries the cluster token.
 */
final class Channels {

  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ClusterToken token;

  Channels(ClusterToken token) {
    this.token = token;
  }

  /** The channel to a process, created once and shared. */
  ManagedChannel to(Address a) {
    return to(a.getHost() + ":" + a.getPort());
  }

  /** The channel to {@code host:port}, created once and shared. */
  ManagedChannel to(String hostPort) {
    ManagedChannel c = channels.get(hostPort);
    if (c != null) {
      return c;
    }
    return channels.computeIfAbsent(
        hostPort,
        hp -> {
          int colon = hp.lastIndexOf(':');
          return Rpc.channel(
                  hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)), token)
              .directExecutor()
              .build();
        });
  }

  /**
   * Closes the channel to a process that died (calls still on it finish or fail on their own), so
   * channels to dead workers do not pile up; a later call opens a fresh one.
   */
  void forget(Address a) {
    ManagedChannel c = channels.remove(a.getHost() + ":" + a.getPort());
    if (c != null) {
      c.shutdown();
    }
  }

  /** Closes every channel at once (shutdown). */
  void closeAll() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
  }
}
