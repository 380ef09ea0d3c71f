package dev.prism.runtime.gcs;

import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.security.ClusterToken;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The GCS's outgoing channels (to node managers and workers), one per {@code host:port}. Thread
 * safe; channels are created lazily and shut down by {@link #close()} or {@link #drop}. Every call
 * carries the cluster token.
 */
final class RpcChannels implements AutoCloseable {

  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private final ClusterToken token;
  private boolean closed;

  RpcChannels(ClusterToken token) {
    this.token = token;
  }

  static String key(Address address) {
    return address.getHost() + ":" + address.getPort();
  }

  /**
   * Returns the channel to an address, creating it on first use.
   *
   * @throws IllegalStateException once closed
   */
  synchronized ManagedChannel get(Address address) {
    if (closed) {
      throw new IllegalStateException("the GCS is shutting down");
    }
    return channels.computeIfAbsent(key(address), k -> Rpc.channel(k, token).build());
  }

  /** Shuts the channel to an address down (its calls fail), e.g. once its process is gone. */
  void drop(Address address) {
    ManagedChannel ch;
    synchronized (this) {
      ch = channels.remove(key(address));
    }
    if (ch != null) {
      ch.shutdownNow();
    }
  }

  synchronized int size() {
    return channels.size();
  }

  /** Shuts every channel down, cancelling the calls in flight. Idempotent. */
  @Override
  public void close() {
    List<ManagedChannel> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(channels.values());
      channels.clear();
    }
    for (ManagedChannel ch : all) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : all) {
      try {
        ch.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
