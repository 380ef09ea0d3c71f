package dev.prism.collective;

import dev.prism.Prism;
import dev.prism.collective.internal.RingLinks;
import dev.prism.collective.internal.SharedBuffers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A rank's listening socket before its group is formed: open one in every member, gather their
 * {@link #address()}es in rank order (by any means: a driver that asks each actor, or {@link
 * CollectiveGroup}'s rendezvous), then {@link #connect} each with the same list.
 */
public final class Endpoint implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Endpoint.class);
  private final ServerSocketChannel listener;
  private final String address;

  private Endpoint(ServerSocketChannel listener, String address) {
    this.listener = listener;
    this.address = address;
  }

  /**
   * Opens a listener on this node's address ({@link dev.prism.RuntimeContext#nodeIp()}), or on
   * loopback outside a Prism process.
   *
   * @return the endpoint
   */
  public static Endpoint open() {
    String host = Prism.isInitialized() ? Prism.runtimeContext().nodeIp() : "127.0.0.1";
    return open(host);
  }

  /**
   * Opens a listener on the given local address, on a free port.
   *
   * @param host a local address the other ranks can reach
   * @return the endpoint
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static Endpoint open(String host) {
    Objects.requireNonNull(host, "host");
    try {
      ServerSocketChannel ch = ServerSocketChannel.open();
      ch.bind(new InetSocketAddress(host, 0), 64);
      int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
      String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
      return new Endpoint(ch, h + ":" + port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ": " + e.getMessage(), e);
    }
  }

  /**
   * Where the other ranks reach this one.
   *
   * @return {@code host:port}
   */
  public String address() {
    return address;
  }

  /**
   * Forms the group: connects to the next rank and accepts the previous one. Every rank calls it
   * with the same list, at about the same time; the listener closes once the ring is formed.
   *
   * @param rank this rank, its index in {@code addresses}
   * @param addresses every rank's {@link #address()}, by rank
   * @param timeout how long to wait for the peers, and the limit of every later operation
   * @return the communicator
   * @throws IllegalArgumentException if the rank or list does not fit this endpoint
   * @throws CollectiveException if the peers do not connect in time
   */
  public Communicator connect(int rank, List<String> addresses, Duration timeout) {
    List<String> all = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
    Objects.requireNonNull(timeout, "timeout");
    if (all.isEmpty()) {
      throw new IllegalArgumentException("addresses is empty; a group has at least one rank");
    }
    if (rank < 0 || rank >= all.size()) {
      throw new IllegalArgumentException(
          "rank is "
              + rank
              + "; with "
              + all.size()
              + " addresses it runs from 0 to "
              + (all.size() - 1));
    }
    if (!all.get(rank).equals(address)) {
      throw new IllegalArgumentException(
          "addresses["
              + rank
              + "] is "
              + all.get(rank)
              + ", not this endpoint's "
              + address
              + ": give every rank the same list, in rank order");
    }
    if (all.stream().distinct().count() != all.size()) {
      throw new IllegalArgumentException("addresses names an endpoint twice: " + all);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout is " + timeout + "; give a positive duration");
    }
    try {
      RingLinks links = RingLinks.connect(listener, rank, all, timeout);
      return new Communicator(rank, all.size(), links, SharedBuffers.forGroup(rank, all), timeout);
    } finally {
      close();
    }
  }

  /** Closes the listener (a formed communicator keeps its connections). */
  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
