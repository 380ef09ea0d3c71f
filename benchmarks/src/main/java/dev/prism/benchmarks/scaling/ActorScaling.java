package dev.prism.benchmarks.scaling;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Actor calls/s from the driver as the number of actors grows: actors are added (holding no
 * resources, each its own worker JVM with a small heap) until there are N, each answers one call,
 * then the driver makes batches of calls spread round-robin over all of them and gets each batch
 * (Ray's "1:n actor calls async" shape, from the driver). Warm-up, then rounds of a fixed time;
 * mean and standard deviation of the rounds.
 */
final class ActorScaling {

  private static final byte[] OK = {'o', 'k'};

  /** Worker JVMs for many actors on one machine: a small heap, the serial collector. */
  static final List<String> SMALL_WORKER_JVM =
      List.of(
          "-Xmx64m",
          "-XX:MaxNewSize=16m",
          "-XX:+UseSerialGC",
          "-Xss512k",
          "-XX:ReservedCodeCacheSize=32m",
          "-XX:MaxMetaspaceSize=96m");

  private ActorScaling() {}

  /** The actor called: Ray's {@code Actor.small_value}. */
  public static final class Actor {
    /** Holds nothing. */
    public Actor() {}

    /**
     * Answers.
     *
     * @return two bytes
     */
    public byte[] smallValue() {
      return OK;
    }
  }

  static List<Map<String, Object>> run(
      List<Integer> counts, double warmupSeconds, int rounds, double roundSeconds) {
    Prism.init(PrismConfig.builder().workerJvmOptions(SMALL_WORKER_JVM).prestartWorkers(0).build());
    try {
      List<ActorHandle<Actor>> actors = new ArrayList<>();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int n : counts) {
        long start = System.nanoTime();
        while (actors.size() < n) {
          actors.add(Prism.actor(Actor::new).remote());
        }
        List<ObjectRef<byte[]>> refs = new ArrayList<>();
        for (ActorHandle<Actor> a : actors) {
          refs.add(a.task(Actor::smallValue).remote());
        }
        Prism.get(refs);
        double readySeconds = (System.nanoTime() - start) / 1e9;
        int batch = Math.max(1000, 100 * n);
        timed(actors, batch, warmupSeconds);
        double[] rates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          rates[r] = timed(actors, batch, roundSeconds);
        }
        double[] ms = Measure.meanStd(rates);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("actors", n);
        row.put("calls_per_second", ms[0]);
        row.put("calls_per_second_std", ms[1]);
        row.put("seconds_until_added_actors_answered", readySeconds);
        row.put("driver_rss_mib", Measure.rssMib());
        rows.add(row);
        System.out.printf(
            "actors %2d: %,.0f +- %,.0f calls/s (batches of %d; new actors answered"
                + " after %.1f s)%n",
            n, ms[0], ms[1], batch, readySeconds);
      }
      for (ActorHandle<Actor> a : actors) {
        a.kill();
      }
      return rows;
    } finally {
      Prism.shutdown();
    }
  }

  /** Calls in batches for at least {@code seconds}; returns calls per second. */
  private static double timed(List<ActorHandle<Actor>> actors, int batch, double seconds) {
    long start = System.nanoTime();
    long calls = 0;
    List<ObjectRef<byte[]>> refs = new ArrayList<>(batch);
    while (System.nanoTime() - start < seconds * 1e9) {
      refs.clear();
      for (int i = 0; i < batch; i++) {
        refs.add(actors.get(i % actors.size()).task(Actor::smallValue).remote());
      }
      Prism.get(refs);
      calls += batch;
    }
    return calls / ((System.nanoTime() - start) / 1e9);
  }
}
