package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Actors holding GPUs on a node with two logical GPUs (no CUDA device needed). */
@Timeout(120)
class ActorGpuTest {

  private static final Duration WAIT = ActorTest.WAIT;

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().numGpus(2).prestartWorkers(0).build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  /** Reports the GPUs its process was given. */
  public static final class GpuUser {
    public GpuUser() {}

    public String gpus() {
      return Prism.runtimeContext().gpuIds() + " " + System.getenv("CUDA_VISIBLE_DEVICES");
    }

    public List<Integer> ids() {
      return Prism.runtimeContext().gpuIds();
    }
  }

  @Test
  void wholeGpusAreDistinctAndHalvesShareOne() {
    ActorHandle<GpuUser> a = Prism.actor(GpuUser::new).setResource("GPU", 1).remote();
    ActorHandle<GpuUser> b = Prism.actor(GpuUser::new).setResource("GPU", 1).remote();
    List<Integer> idsA = Prism.get(a.task(GpuUser::ids).remote(), WAIT);
    List<Integer> idsB = Prism.get(b.task(GpuUser::ids).remote(), WAIT);
    assertThat(idsA).hasSize(1);
    assertThat(idsB).hasSize(1);
    assertThat(idsA).doesNotContainAnyElementsOf(idsB);
    assertThat(Prism.get(a.task(GpuUser::gpus).remote(), WAIT)).isEqualTo(idsA + " " + idsA.get(0));
    a.kill();
    b.kill();

    ActorHandle<GpuUser> c = Prism.actor(GpuUser::new).setResource("GPU", 0.5).remote();
    ActorHandle<GpuUser> d = Prism.actor(GpuUser::new).setResource("GPU", 0.5).remote();
    List<Integer> idsC = Prism.get(c.task(GpuUser::ids).remote(), WAIT);
    List<Integer> idsD = Prism.get(d.task(GpuUser::ids).remote(), WAIT);
    assertThat(idsC).hasSize(1);
    assertThat(idsD).isEqualTo(idsC);
    c.kill();
    d.kill();
  }
}
