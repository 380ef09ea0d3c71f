package dev.prism.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.Prism;
import dev.prism.PrismConfig;
import dev.prism.PrismException;
import dev.prism.TaskException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Collective groups of actors, each in a worker JVM of its own, on an embedded cluster. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CollectiveGroupTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @BeforeAll
  static void start() {
    Prism.init(PrismConfig.builder().numCpus(2).workerJvmOptions(List.of("-Xmx192m")).build());
  }

  @AfterAll
  static void stop() {
    Prism.shutdown();
  }

  /** A member of a group: joins, then runs operations when asked. */
  public static final class Member {
    private Communicator comm;

    /** Creates an idle member. */
    public Member() {}

    /**
     * Joins the group.
     *
     * @param group the group
     * @param rank this member's rank
     * @return the rank the communicator reports
     */
    public int join(CollectiveGroup group, Integer rank) {
      comm = group.join(rank);
      return comm.rank();
    }

    /**
     * Allreduces (SUM) a float vector of {@code n} elements, each {@code rank + 1 + i}.
     *
     * @param n the length
     * @return the result
     */
    public float[] sum(Integer n) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = comm.rank() + 1 + i;
      }
      comm.allreduce(v, ReduceOp.SUM);
      return v;
    }

    /**
     * Broadcasts rank 0's text.
     *
     * @param text rank 0's text; ignored on the others
     * @return the text every rank ends with
     */
    public String broadcast(String text) {
      byte[] b = new byte[64];
      if (comm.rank() == 0) {
        byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(t, 0, b, 0, t.length);
      }
      comm.broadcast(b, 0);
      return new String(b, java.nio.charset.StandardCharsets.UTF_8).trim();
    }

    /**
     * This member's process id, so a test can kill it.
     *
     * @return the pid
     */
    public long pid() {
      return ProcessHandle.current().pid();
    }
  }

  private static List<ActorHandle<Member>> members(int n) {
    List<ActorHandle<Member>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Prism.actor(Member::new).remote());
    }
    return out;
  }

  private static void joinAll(CollectiveGroup group, List<ActorHandle<Member>> members) {
    List<ObjectRef<Integer>> joined = new ArrayList<>();
    for (int r = 0; r < members.size(); r++) {
      joined.add(members.get(r).task(Member::join, group, r).remote());
    }
    assertThat(Prism.get(joined, WAIT)).containsExactly(0, 1, 2);
  }

  @Test
  void actorsInSeparateProcessesAllreduceAndBroadcast() {
    CollectiveGroup group = CollectiveGroup.create("sum3", 3, Duration.ofSeconds(30));
    List<ActorHandle<Member>> members = members(3);
    try {
      joinAll(group, members);
      List<ObjectRef<float[]>> sums = new ArrayList<>();
      for (ActorHandle<Member> m : members) {
        sums.add(m.task(Member::sum, 100_000).remote());
      }
      List<ObjectRef<float[]>> big = new ArrayList<>();
      for (ActorHandle<Member> m : members) {
        big.add(m.task(Member::sum, 2_000_000).remote());
      }
      for (float[] s : Prism.get(big, WAIT)) {
        assertThat(s[1_999_999])
            .as("shared-memory path between processes")
            .isEqualTo(6 + 3 * 1_999_999f);
      }
      for (float[] s : Prism.get(sums, WAIT)) {
        assertThat(s).hasSize(100_000);
        assertThat(s[0]).isEqualTo(1 + 2 + 3);
        assertThat(s[99_999]).isEqualTo(6 + 3 * 99_999f);
      }
      List<ObjectRef<String>> texts = new ArrayList<>();
      for (ActorHandle<Member> m : members) {
        texts.add(m.task(Member::broadcast, "from rank 0").remote());
      }
      assertThat(Prism.get(texts, WAIT)).containsOnly("from rank 0");
      assertThat(Prism.get(members.get(0).task(Member::pid).remote(), WAIT))
          .isNotEqualTo(Prism.get(members.get(1).task(Member::pid).remote(), WAIT))
          .isNotEqualTo(ProcessHandle.current().pid());
    } finally {
      members.forEach(Prism::kill);
      group.destroy();
    }
  }

  @Test
  void aMemberKilledMidOperationFailsTheOthersInsteadOfHangingThem() throws Exception {
    CollectiveGroup group = CollectiveGroup.create("victim", 3, Duration.ofSeconds(30));
    List<ActorHandle<Member>> members = members(3);
    try {
      joinAll(group, members);
      long victim = Prism.get(members.get(2).task(Member::pid).remote(), WAIT);
      ProcessHandle.of(victim).orElseThrow().destroyForcibly();
      // 1M floats: the shared-memory path (all ranks on this host)
      ObjectRef<float[]> a = members.get(0).task(Member::sum, 1_000_000).remote();
      ObjectRef<float[]> b = members.get(1).task(Member::sum, 1_000_000).remote();
      for (ObjectRef<float[]> r : List.of(a, b)) {
        assertThatThrownBy(() -> Prism.get(r, WAIT))
            .isInstanceOf(TaskException.class)
            .hasMessageContaining("CollectiveException")
            .hasMessageContaining("a rank died or closed its communicator");
      }
      assertThat(CommunicatorTest.sharedFiles())
          .as("the killed rank leaves no shared-memory file behind")
          .isEmpty();
    } finally {
      members.forEach(Prism::kill);
      group.destroy();
    }
  }

  @Test
  void joiningAGroupThatWasNeverCreatedSaysSo() {
    ActorHandle<Member> m = Prism.actor(Member::new).remote();
    try {
      assertThatThrownBy(
              () ->
                  Prism.get(
                      m.task(Member::join, new CollectiveGroup("nope", 2, Duration.ofSeconds(5)), 0)
                          .remote(),
                      WAIT))
          .isInstanceOf(TaskException.class)
          .hasMessageContaining("no collective group 'nope'")
          .hasMessageContaining("CollectiveGroup.create");
    } finally {
      Prism.kill(m);
    }
  }

  @Test
  void aGroupWhoseOtherRanksNeverJoinTimesOut() {
    CollectiveGroup group = CollectiveGroup.create("lonely", 2, Duration.ofSeconds(2));
    ActorHandle<Member> m = Prism.actor(Member::new).remote();
    try {
      assertThatThrownBy(() -> Prism.get(m.task(Member::join, group, 0).remote(), WAIT))
          .isInstanceOf(TaskException.class)
          .hasMessageContaining("waited PT2S for the other ranks to join");
      assertThatThrownBy(() -> CollectiveGroup.create("lonely", 2))
          .isInstanceOf(PrismException.class)
          .hasMessageContaining("cannot create collective group 'lonely'");
    } finally {
      Prism.kill(m);
      group.destroy();
    }
  }
}
