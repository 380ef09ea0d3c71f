package dev.prism.store.internal;

import dev.prism.store.StoreException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts clients on a Unix domain socket and serves each on its own daemon thread (a blocking
 * thread per connection gives the lowest round-trip latency for a handful of local clients).
 * Internal: not part of the API.
 */
public final class SocketServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SocketServer.class);

  private final Path socketPath;
  private final StoreCore core;
  private final long defaultTimeoutNanos;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger counter = new AtomicInteger();
  private volatile boolean closed;

  /**
   * Binds the socket and starts accepting.
   *
   * @param socketPath the socket file to create (must not exist)
   * @param core the store
   * @param defaultTimeoutNanos the timeout used when a client sends none
   */
  public SocketServer(Path socketPath, StoreCore core, long defaultTimeoutNanos) {
    this.socketPath = socketPath;
    this.core = core;
    this.defaultTimeoutNanos = defaultTimeoutNanos;
    try {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socketPath));
      PrivateFiles.restrict(socketPath);
    } catch (IOException e) {
      throw new StoreException(
          "cannot listen on Unix socket "
              + socketPath
              + ": "
              + e.getMessage()
              + " (paths are limited to 107 bytes; pick a shorter socketDirectory)",
          e);
    }
    acceptor = Thread.ofPlatform().daemon().name("prism-store-accept").start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel ch = server.accept();
        ServerConnection[] holder = new ServerConnection[1];
        Thread[] t = new Thread[1];
        holder[0] =
            new ServerConnection(
                ch,
                core,
                core.memory().path().toString(),
                defaultTimeoutNanos,
                () -> {
                  connections.remove(holder[0]);
                  threads.remove(t[0]);
                });
        connections.add(holder[0]);
        t[0] =
            Thread.ofPlatform()
                .daemon()
                .name("prism-store-conn-" + counter.incrementAndGet())
                .unstarted(holder[0]);
        threads.add(t[0]);
        t[0].start();
      } catch (AsynchronousCloseException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          LOG.error("accepting a store client failed", e);
        }
      }
    }
  }

  /**
   * Returns the socket path.
   *
   * @return the path
   */
  public Path socketPath() {
    return socketPath;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing server socket", e);
    }
    for (ServerConnection c : connections) {
      c.close();
    }
    try {
      acceptor.join(5_000);
      for (Thread t : threads) {
        t.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(socketPath);
    } catch (IOException e) {
      LOG.warn("cannot delete socket file {}", socketPath, e);
    }
  }
}
