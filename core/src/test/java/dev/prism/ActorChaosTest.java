package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Actor chaos: several actors under a steady call load from several threads while their processes
 * are killed with kill -9. Every call succeeds or fails with {@link ActorDiedException} in bounded
 * time, never answers with another actor's (or another call's) state, and the calls one caller sees
 * succeed on one instance come in its order.
 */
@Timeout(240)
class ActorChaosTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int CALLERS = 3;
  private static final int BATCH = 5;

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  /** Answers each call with its name, its instance, and how many calls this instance ran. */
  public static final class Identity {
    private final String name;
    private final String instance;
    private int calls;

    public Identity(String name) {
      this.name = name;
      this.instance = ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /** {@code name|pid-nanos|count|caller|seq}. */
    public String call(int caller, int seq) {
      calls++;
      return name + "|" + instance + "|" + calls + "|" + caller + "|" + seq;
    }
  }

  /** One successful reply, parsed. */
  record Reply(String actor, String instance, long pid, int count, int caller, int seq) {
    static Reply parse(String s) {
      String[] f = s.split("\\|");
      return new Reply(
          f[0],
          f[1],
          Long.parseLong(f[1].substring(0, f[1].indexOf('-'))),
          Integer.parseInt(f[2]),
          Integer.parseInt(f[3]),
          Integer.parseInt(f[4]));
    }
  }

  /** One call's outcome: a reply, or the ActorDiedException it failed with. */
  record Outcome(int seq, Reply reply, ActorDiedException died) {}

  /** An actor under test and how it is allowed to fail. */
  record Subject(String name, int maxRestarts, int maxTaskRetries, ActorHandle<Identity> handle) {}

  @Test
  void everyCallSucceedsOrFailsWithActorDiedAndNeverSeesAnotherState() throws Exception {
    long started = System.nanoTime();
    List<Subject> subjects = new ArrayList<>();
    for (String name : List.of("retry-a", "retry-b", "once-a", "once-b", "mortal")) {
      int restarts = name.equals("mortal") ? 1 : 100;
      int retries = name.startsWith("retry") ? -1 : 0;
      subjects.add(
          new Subject(
              name,
              restarts,
              retries,
              Prism.actor(Identity::new, name)
                  .setMaxRestarts(restarts)
                  .setMaxTaskRetries(retries)
                  .remote()));
    }
    // The newest pid seen answering, per actor: what the chaos thread kills.
    Map<String, Long> latestPid = new ConcurrentHashMap<>();
    Set<Long> killed = ConcurrentHashMap.newKeySet();
    // Two kills per actor, round robin; the mortal one (one restart) dies for good.
    List<String> order = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      subjects.forEach(s -> order.add(s.name()));
    }
    AtomicInteger next = new AtomicInteger();
    // outcomes.get(caller).get(actor): in call order.
    List<Map<String, List<Outcome>>> outcomes = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      outcomes.add(new ConcurrentHashMap<>());
    }
    int kills;
    ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    try (Chaos.Monkey monkey =
        new Chaos.Monkey(
            "actors",
            order.size(),
            300,
            600,
            () -> {
              // The next actor in the order, once a process of it that was not killed yet answers.
              Long pid = latestPid.get(order.get(next.get()));
              if (pid == null || killed.contains(pid)) {
                return null;
              }
              ProcessHandle p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
              if (p != null) {
                killed.add(pid);
                next.incrementAndGet();
              }
              return p;
            })) {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CALLERS; c++) {
        int caller = c;
        running.add(
            callers.submit(
                () -> {
                  int[] seq = new int[subjects.size()];
                  boolean last = false;
                  while (!last) {
                    last = monkey.done(); // one more round after the last kill
                    for (int a = 0; a < subjects.size(); a++) {
                      Subject s = subjects.get(a);
                      List<ObjectRef<String>> refs = new ArrayList<>();
                      int first = seq[a];
                      for (int k = 0; k < BATCH; k++) {
                        refs.add(s.handle().task(Identity::call, caller, seq[a]++).remote());
                      }
                      List<Outcome> mine =
                          outcomes.get(caller).computeIfAbsent(s.name(), n -> new ArrayList<>());
                      for (int k = 0; k < BATCH; k++) {
                        try {
                          Reply r = Reply.parse(Prism.get(refs.get(k), WAIT));
                          latestPid.put(r.actor(), r.pid());
                          mine.add(new Outcome(first + k, r, null));
                        } catch (ActorDiedException e) {
                          mine.add(new Outcome(first + k, null, e));
                        }
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get(180, TimeUnit.SECONDS); // a call that hangs fails the test here (or in get)
      }
      kills = monkey.kills();
    } finally {
      callers.shutdownNow();
    }
    long wallMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(kills).as("kills").isEqualTo(order.size());

    int ok = 0;
    int died = 0;
    for (Subject s : subjects) {
      Map<String, Integer> instanceOrder = new HashMap<>();
      Set<String> countsSeen = new HashSet<>();
      for (int caller = 0; caller < CALLERS; caller++) {
        List<Outcome> mine = outcomes.get(caller).get(s.name());
        String lastInstance = null;
        Set<String> left = new HashSet<>();
        int lastCount = 0;
        for (Outcome o : mine) {
          if (o.died() != null) {
            died++;
            assertThat(s.maxTaskRetries())
                .as(
                    "%s: a call failed although calls are retried" + " (%s)",
                    s.name(), o.died().getMessage())
                .isZero();
            continue;
          }
          ok++;
          Reply r = o.reply();
          assertThat(r.actor()).as("who answered a call to %s", s.name()).isEqualTo(s.name());
          assertThat(r.caller()).as("caller of %s's reply", s.name()).isEqualTo(caller);
          assertThat(r.seq()).as("the call %s answered", s.name()).isEqualTo(o.seq());
          assertThat(countsSeen.add(r.instance() + "#" + r.count()))
              .as(
                  "%s instance %s answered two calls with count %d",
                  s.name(), r.instance(), r.count())
              .isTrue();
          instanceOrder.putIfAbsent(r.instance(), instanceOrder.size());
          if (r.instance().equals(lastInstance)) {
            assertThat(r.count())
                .as("%s: order of caller %d's calls on one instance", s.name(), caller)
                .isGreaterThan(lastCount);
          } else {
            assertThat(left)
                .as("%s: caller %d went back to an instance it had left", s.name(), caller)
                .doesNotContain(r.instance());
            if (lastInstance != null) {
              left.add(lastInstance);
            }
          }
          lastInstance = r.instance();
          lastCount = r.count();
        }
      }
      // After the chaos: the mortal actor is dead for good, the others answer again.
      ObjectRef<String> after = s.handle().task(Identity::call, -1, -1).remote();
      if (s.name().equals("mortal")) {
        assertThatThrownBy(() -> Prism.get(after, WAIT))
            .isInstanceOf(ActorDiedException.class)
            .hasMessageContaining("no restarts left");
      } else {
        assertThat(Reply.parse(Prism.get(after, WAIT)).actor()).isEqualTo(s.name());
      }
      if (!s.name().equals("mortal")) {
        assertThat(instanceOrder).as("%s's instances (killed twice)", s.name()).hasSize(3);
      }
    }
    System.out.printf(
        "actor chaos: %d actors, %d callers, %d kills, %d calls succeeded, %d"
            + " failed with ActorDiedException, %d ms%n",
        subjects.size(), CALLERS, kills, ok, died, wallMillis);
    for (Subject s : subjects) {
      s.handle().kill();
    }
  }

  @Test
  void killsThatAlsoHitRestartingProcessesNeverHangACall() throws Exception {
    long started = System.nanoTime();
    List<ActorHandle<Identity>> actors = new ArrayList<>();
    for (int a = 0; a < 3; a++) {
      actors.add(
          Prism.actor(Identity::new, "r" + a).setMaxRestarts(100).setMaxTaskRetries(-1).remote());
    }
    for (ActorHandle<Identity> h : actors) {
      Prism.get(h.task(Identity::call, 0, 0).remote(), WAIT);
    }
    int calls = 0;
    int kills;
    try (Chaos.Monkey monkey =
        new Chaos.Monkey("any-worker", 8, 100, 400, () -> Chaos.any(Chaos.aliveWorkers()))) {
      while (!monkey.done()) {
        List<ObjectRef<String>> refs = new ArrayList<>();
        for (int a = 0; a < actors.size(); a++) {
          refs.add(actors.get(a).task(Identity::call, 0, calls).remote());
        }
        List<String> got = Prism.get(refs, WAIT);
        for (int a = 0; a < actors.size(); a++) {
          assertThat(Reply.parse(got.get(a)).actor()).isEqualTo("r" + a);
        }
        calls++;
      }
      kills = monkey.kills();
    }
    System.out.printf(
        "actor chaos, any worker: %d kills, %d rounds, %d ms%n",
        kills, calls, (System.nanoTime() - started) / 1_000_000);
    for (ActorHandle<Identity> h : actors) {
      assertThat(Reply.parse(Prism.get(h.task(Identity::call, 0, -1).remote(), WAIT)).actor())
          .isNotNull();
      h.kill();
    }
  }

  /**
   * A driver in its own JVM whose actor long polls end after 20 ms (as if the GCS heard of a death
   * late, so the caller first waits for the old instance's channel): kills its actor with kill -9,
   * calls it, prints what came back.
   */
  public static final class LateNewsDriver {
    public static void main(String[] args) throws Exception {
      Prism.init(ClusterFixture.small().build());
      try {
        ActorHandle<Identity> h =
            Prism.actor(Identity::new, "late").setMaxRestarts(3).setMaxTaskRetries(-1).remote();
        for (int round = 0; round < 3; round++) {
          Reply before =
              Reply.parse(Prism.get(h.task(Identity::call, 0, 2 * round).remote(), WAIT));
          Chaos.kill9(before.pid());
          Reply after =
              Reply.parse(
                  Prism.get(
                      h.task(Identity::call, 0, 2 * round + 1).remote(), Duration.ofSeconds(60)));
          System.out.println("restarted " + before.pid() + " -> " + after.pid());
        }
        System.out.println("late news: ok");
      } catch (RuntimeException e) {
        System.out.println("late news: " + e);
      } finally {
        ClusterFixture.shutdownAndCheck();
      }
      System.exit(0);
    }
  }

  /**
   * The caller learns of the death only after it started waiting for the dead instance's channel to
   * come back: once the GCS reports the restarted instance, its calls go there (they used to wait
   * forever for the old channel).
   */
  @Test
  void aCallerThatHearsOfARestartLateStillReachesTheNewInstance(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    List<String> command = new ArrayList<>(ClusterFixture.javaCommand(LateNewsDriver.class));
    command.add(1, "-Dprism.actor.pollMs=20");
    command.add(1, "-Dorg.slf4j.simpleLogger.log.dev.prism.runtime.worker.ActorQueue=debug");
    java.nio.file.Path log = dir.resolve("driver.log");
    Process driver =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(driver.waitFor(200, TimeUnit.SECONDS)).as("the driver finished").isTrue();
    } finally {
      driver.destroyForcibly();
    }
    String out = java.nio.file.Files.readString(log);
    assertThat(out).as(out).contains("late news: ok");
  }
}
