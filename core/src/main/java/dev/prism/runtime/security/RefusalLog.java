package dev.prism.runtime.security;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused connections and calls (no token, wrong token) of one server at WARN, at most one
 * line per {@link #DEFAULT_INTERVAL_NANOS period}: a peer that retries in a loop cannot flood the
 * log. The line after a quiet period says how many refusals it stood for. Thread-safe.
 */
public final class RefusalLog {

  private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

  /** At most one line per this many nanoseconds: 10 s. */
  static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String server;
  private final long intervalNanos;
  private final LongSupplier clock;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private final AtomicLong lastLogged;

  /**
   * Creates the log of one server.
   *
   * @param server names the server in each line, e.g. "GCS" or "node manager abcd1234"
   */
  public RefusalLog(String server) {
    this(server, DEFAULT_INTERVAL_NANOS, System::nanoTime);
  }

  RefusalLog(String server, long intervalNanos, LongSupplier clock) {
    this.server = server;
    this.intervalNanos = intervalNanos;
    this.clock = clock;
    this.lastLogged = new AtomicLong(clock.getAsLong() - intervalNanos - 1);
  }

  /**
   * Records one refusal, and logs it unless a line was logged within the period.
   *
   * @param peer the peer's address
   * @param what what was refused, e.g. the gRPC method
   * @param why why, e.g. "no cluster token"
   * @return true when a line was logged
   */
  public boolean refused(Object peer, String what, String why) {
    refused.incrementAndGet();
    long now = clock.getAsLong();
    long last = lastLogged.get();
    if (now - last <= intervalNanos || !lastLogged.compareAndSet(last, now)) {
      suppressed.incrementAndGet();
      return false;
    }
    long more = suppressed.getAndSet(0);
    LOG.warn(
        "{} refused {} from {}: {}{}",
        server,
        what,
        peer,
        why,
        more == 0
            ? ""
            : " (and "
                + more
                + " more refusals in the last "
                + TimeUnit.NANOSECONDS.toSeconds(now - last)
                + " s)");
    return true;
  }

  /**
   * Returns how many refusals were recorded.
   *
   * @return the count
   */
  public long count() {
    return refused.get();
  }
}
