package dev.prism.tune.internal;

import dev.prism.Prism;
import dev.prism.train.Checkpoint;
import dev.prism.train.CheckpointStore;
import dev.prism.tune.TrialStoppedException;
import dev.prism.tune.TuneContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The actor that runs trials, one at a time, each on a thread of its own, as Ray Tune's reused
 * trial actors: the driver starts an attempt, long-polls its results (acknowledging those it has
 * decided on), and stops it. A runner serves many trials in turn, so a sweep of a thousand short
 * trials does not start a thousand worker processes.
 */
public final class TrialRunner {
  /** Starts the message of a start refused because the previous trial would not end. */
  public static final String STUCK = "the previous trial on this runner did not end";

  private final Object lock = new Object();
  private Attempt current;

  /** A runner with no trial. */
  public TrialRunner() {}

  /**
   * Starts an attempt, after stopping the one before it (waiting its stop grace for it to end).
   *
   * @param start the attempt
   * @return the id of the node it runs on
   * @throws IllegalStateException if the previous attempt does not end
   */
  public String start(TrialStart start) throws InterruptedException {
    Attempt previous;
    synchronized (lock) {
      previous = current;
    }
    if (previous != null) {
      previous.requestStop();
      previous.thread.join(Math.max(1, previous.start.stopGraceMillis()));
      if (previous.thread.isAlive()) {
        throw new IllegalStateException(
            STUCK
                + ": trial "
                + previous.start.trialId()
                + " still runs "
                + previous.start.stopGraceMillis()
                + " ms after it was stopped (it does not report, or it ignores"
                + " the TrialStoppedException its report throws)");
      }
    }
    Attempt a = new Attempt(start);
    synchronized (lock) {
      current = a;
    }
    a.thread.start();
    return Prism.runtimeContext().nodeId();
  }

  /**
   * Hands over the attempt's new results, waiting up to {@code waitMillis} for one.
   *
   * @param attempt the attempt
   * @param ackThrough the last iteration the driver has decided on: reports blocked on the bound of
   *     pending results go on
   * @param waitMillis how long to wait for a result
   * @return the results, and whether the attempt has ended
   */
  public PollBatch poll(Long attempt, Long ackThrough, Long waitMillis)
      throws InterruptedException {
    Attempt a;
    synchronized (lock) {
      a = current;
    }
    if (a == null || a.start.attempt() != attempt) {
      return new PollBatch(List.of(), true, "");
    }
    return a.poll(ackThrough, waitMillis);
  }

  /**
   * Asks the attempt to end: its next report throws {@link TrialStoppedException} and its thread is
   * interrupted.
   *
   * @param attempt the attempt
   * @return whether it was still running
   */
  public Boolean stop(Long attempt) {
    Attempt a;
    synchronized (lock) {
      a = current;
    }
    if (a == null || a.start.attempt() != attempt) {
      return false;
    }
    return a.requestStop();
  }

  /**
   * This runner's process id.
   *
   * @return the pid
   */
  public Long pid() {
    return ProcessHandle.current().pid();
  }

  /** One attempt of a trial and the results it reported that the driver has not taken yet. */
  private static final class Attempt implements TuneContext {
    private final TrialStart start;
    private final Thread thread;
    private final Object mon = new Object();
    private final ArrayDeque<Map<String, Object>> pending = new ArrayDeque<>();
    private final long startNanos = System.nanoTime();
    private long lastNanos = startNanos;
    private long iteration;
    private long acked;
    private boolean stopped;
    private boolean finished;
    private String error = "";

    Attempt(TrialStart start) {
      this.start = start;
      this.iteration = start.startIteration();
      this.acked = start.startIteration();
      this.thread = Thread.ofPlatform().name("trial-" + start.trialId()).unstarted(this::run);
    }

    private void run() {
      String err = "";
      try {
        start.trainable().train(new LinkedHashMap<>(start.config()), this);
      } catch (TrialStoppedException e) {
        // ended by the tuner: not an error
      } catch (Throwable t) {
        synchronized (mon) {
          if (!stopped) {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            err = w.toString();
          }
        }
      }
      synchronized (mon) {
        error = err;
        finished = true;
        mon.notifyAll();
      }
    }

    boolean requestStop() {
      synchronized (mon) {
        boolean was = !finished && !stopped;
        stopped = true;
        mon.notifyAll();
        if (was) {
          thread.interrupt();
        }
        return was;
      }
    }

    PollBatch poll(long ackThrough, long waitMillis) throws InterruptedException {
      long deadline = System.nanoTime() + waitMillis * 1_000_000L;
      synchronized (mon) {
        if (ackThrough > acked) {
          acked = ackThrough;
          mon.notifyAll();
        }
        while (pending.isEmpty() && !finished) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          mon.wait(Math.max(1, left / 1_000_000L));
        }
        List<Map<String, Object>> out = new ArrayList<>(pending);
        pending.clear();
        return new PollBatch(out, finished, finished ? error : "");
      }
    }

    @Override
    public String trialId() {
      return start.trialId();
    }

    @Override
    public Path trialDir() {
      return Path.of(start.trialDir());
    }

    @Override
    public long iteration() {
      synchronized (mon) {
        return iteration;
      }
    }

    @Override
    public Optional<Checkpoint> checkpoint() {
      return start.checkpoint().isEmpty()
          ? Optional.empty()
          : Optional.of(new Checkpoint(Path.of(start.checkpoint())));
    }

    @Override
    public void report(Map<String, ?> metrics) {
      report(metrics, null);
    }

    @Override
    public void report(Map<String, ?> metrics, Checkpoint checkpoint) {
      if (metrics == null) {
        throw new IllegalArgumentException("metrics must not be null");
      }
      long now = System.nanoTime();
      long it;
      synchronized (mon) {
        if (stopped) {
          throw new TrialStoppedException(start.trialId());
        }
        it = iteration + 1;
      }
      Map<String, Object> r = new LinkedHashMap<>();
      for (Map.Entry<String, ?> e : metrics.entrySet()) {
        Object v = e.getValue();
        if (v instanceof Number || v instanceof String || v instanceof Boolean) {
          r.put(e.getKey(), v);
        } else if (v != null) {
          r.put(e.getKey(), v.toString());
        }
      }
      r.put("training_iteration", it);
      r.put("time_this_iter_s", (now - lastNanos) / 1e9);
      r.put("time_total_s", start.startTimeTotal() + (now - startNanos) / 1e9);
      r.put("timestamp", System.currentTimeMillis() / 1000);
      r.put("trial_id", start.trialId());
      lastNanos = now;
      if (checkpoint != null) {
        Path dir = trialDir();
        Path kept = CheckpointStore.persist(dir, (int) it, checkpoint, r);
        CheckpointStore.prune(dir, start.checkpoints());
        r.put("checkpoint", kept.toString());
      }
      synchronized (mon) {
        iteration = it;
        pending.add(r);
        mon.notifyAll();
        while (!stopped && iteration - acked >= start.maxPending()) {
          try {
            mon.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrialStoppedException(start.trialId());
          }
        }
        if (stopped) {
          throw new TrialStoppedException(start.trialId());
        }
      }
    }
  }
}
