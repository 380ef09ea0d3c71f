package dev.prism.runtime.node;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes object-data connections that made no progress for too long. Blocking {@link SocketChannel}
 * reads and writes have no timeout of their own, so a peer that hangs without closing its
 * connection would otherwise hold a pull (and the source's pin) forever; closing the channel wakes
 * the blocked thread with an {@link IOException}. Thread-safe.
 */
final class TransferWatchdog implements AutoCloseable {

  private static final long TICK_MILLIS = 200;

  private final Set<Watch> active = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private volatile long idleNanos;

  /**
   * @param name names the timer thread
   * @param idleTimeout how long a connection may go without progress
   */
  TransferWatchdog(String name, Duration idleTimeout) {
    this.idleNanos = idleTimeout.toNanos();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name(name).factory());
    timer.scheduleWithFixedDelay(this::check, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Changes the idle timeout of every connection, watched now or later (for tests). */
  void idleTimeout(Duration timeout) {
    idleNanos = timeout.toNanos();
  }

  /** The idle timeout. */
  Duration idleTimeout() {
    return Duration.ofNanos(idleNanos);
  }

  /** Starts watching a connection; close the watch when the transfer ends. */
  Watch watch(SocketChannel channel) {
    Watch w = new Watch(channel);
    active.add(w);
    return w;
  }

  private void check() {
    long now = System.nanoTime();
    for (Watch w : active) {
      if (now - w.lastProgress > idleNanos) {
        w.timedOut = true;
        active.remove(w);
        try {
          w.channel.close();
        } catch (IOException | RuntimeException e) {
          // closing is all we can do
        }
      }
    }
  }

  /** Stops the timer; connections still watched are left alone. */
  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One watched connection. */
  final class Watch implements AutoCloseable {
    private final SocketChannel channel;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean timedOut;

    private Watch(SocketChannel channel) {
      this.channel = channel;
    }

    /** Records that bytes moved. */
    void progress() {
      lastProgress = System.nanoTime();
    }

    /** Whether the watchdog closed the connection for making no progress. */
    boolean timedOut() {
      return timedOut;
    }

    /** Stops watching (the connection itself stays open). */
    @Override
    public void close() {
      active.remove(this);
    }
  }
}
