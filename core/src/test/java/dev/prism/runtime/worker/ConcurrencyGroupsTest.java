package dev.prism.runtime.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.prism.ConcurrencyGroup;
import dev.prism.runtime.rpc.ConcurrencyGroupProto;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.TaskSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which group an actor's calls run in, and how a group limits its calls, without a cluster. */
@Timeout(60)
class ConcurrencyGroupsTest {

  interface Logged {
    @ConcurrencyGroup("log")
    void log();
  }

  public static class Base implements Logged {
    @ConcurrencyGroup("io")
    public String read() {
      return "";
    }

    @ConcurrencyGroup("io")
    public void write(int v) {}

    @Override
    public void log() {}

    public int plain() {
      return 0;
    }
  }

  /** Overrides read without the annotation (keeps "io"), write with another group. */
  public static class Sub extends Base {
    @Override
    public String read() {
      return "sub";
    }

    @Override
    @ConcurrencyGroup("cpu")
    public void write(int v) {}
  }

  private static ConcurrencyGroupProto group(String name, int limit, FunctionDescriptorProto... m) {
    return ConcurrencyGroupProto.newBuilder()
        .setName(name)
        .setMaxConcurrency(limit)
        .addAllMethods(List.of(m))
        .build();
  }

  private static FunctionDescriptorProto method(Class<?> owner, String name, String signature) {
    return FunctionDescriptorProto.newBuilder()
        .setClassName(owner.getName())
        .setMethodName(name)
        .setSignature(signature)
        .setKind(FunctionDescriptorProto.Kind.INSTANCE)
        .build();
  }

  private static final List<ConcurrencyGroupProto> ALL =
      List.of(group("io", 2), group("cpu", 1), group("log", 1));

  @Test
  void annotationsAreInheritedAndTheMostDerivedOneWins() {
    Map<String, String> groups = ConcurrencyGroups.methodGroups(Sub.class, ALL, "Sub(1)");
    assertThat(groups)
        .containsEntry("read()Ljava/lang/String;", "io")
        .containsEntry("write(I)V", "cpu")
        .containsEntry("log()V", "log")
        .doesNotContainKey("plain()I");
  }

  public static class Async {
    @ConcurrencyGroup("io")
    public java.util.concurrent.CompletableFuture<String> fetch() {
      return null;
    }
  }

  @Test
  void onlyAsyncMethodsOfTheDefaultGroupMakeItConcurrentByDefault() {
    List<ConcurrencyGroupProto> io = List.of(group("io", 2));
    assertThat(
            ConcurrencyGroups.defaultGroupHasAsyncMethods(
                Async.class, ConcurrencyGroups.methodGroups(Async.class, io, "Async(1)")))
        .isFalse();
    // called in the default group per call only: the default group is still not made concurrent,
    // but a class whose async method is in no group is, as before groups existed
    assertThat(ConcurrencyGroups.defaultGroupHasAsyncMethods(Async.class, Map.of())).isTrue();
  }

  @Test
  void methodsGivenAtCreationTakePrecedence() {
    List<ConcurrencyGroupProto> groups =
        List.of(
            group("io", 2),
            group("cpu", 1, method(Base.class, "read", "()Ljava/lang/String;")),
            group("log", 1));
    assertThat(ConcurrencyGroups.methodGroups(Sub.class, groups, "Sub(1)"))
        .containsEntry("read()Ljava/lang/String;", "cpu");
  }

  @Test
  void badGroupsAreRefusedNamingTheMethodAndTheGroup() {
    assertThatThrownBy(
            () -> ConcurrencyGroups.methodGroups(Sub.class, List.of(group("io", 2)), "Sub(1)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("declares no concurrency group")
        .hasMessageContaining("it declares [io]");
    List<ConcurrencyGroupProto> twice =
        List.of(
            group("io", 2, method(Base.class, "plain", "()I")),
            group("cpu", 1, method(Base.class, "plain", "()I")),
            group("log", 1));
    assertThatThrownBy(() -> ConcurrencyGroups.methodGroups(Sub.class, twice, "Sub(1)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Base.plain is put in concurrency groups \"io\" and \"cpu\"");
    List<ConcurrencyGroupProto> foreign =
        List.of(group("io", 2, method(String.class, "length", "()I")), group("cpu", 1));
    assertThatThrownBy(() -> ConcurrencyGroups.methodGroups(Base.class, foreign, "Base(1)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("String.length, given for concurrency group \"io\", is not a method");
  }

  @Test
  void theActorsProcessRoutesCallsAndRefusesUnknownGroups() {
    HostedActor actor =
        new HostedActor(
            ByteString.copyFrom(new byte[16]),
            "Sub(00000000)",
            new Sub(),
            1,
            "ns",
            ALL,
            ConcurrencyGroups.methodGroups(Sub.class, ALL, "Sub(00000000)"));
    try {
      assertThat(actor.hasGroups()).isTrue();
      assertThat(actor.permits).isNull();
      TaskSpec read = call("read", "()Ljava/lang/String;", "");
      assertThat(actor.unknownGroup(read)).isNull();
      assertThat(actor.groupOf(read).name).isEqualTo("io");
      assertThat(actor.groupOf(read).maxConcurrency).isEqualTo(2);
      assertThat(actor.groupOf(call("plain", "()I", "")).name).isEqualTo(ConcurrencyGroup.DEFAULT);
      assertThat(actor.groupOf(call("plain", "()I", "cpu")).name).isEqualTo("cpu");
      assertThat(actor.groupOf(call("read", "()Ljava/lang/String;", "default")).name)
          .isEqualTo(ConcurrencyGroup.DEFAULT);
      assertThat(actor.unknownGroup(call("plain", "()I", "nope")))
          .contains("has no concurrency group \"nope\"")
          .contains("it declares [io, cpu, log]");
    } finally {
      actor.close();
    }
    HostedActor plain =
        new HostedActor(
            ByteString.copyFrom(new byte[16]),
            "Base(00000000)",
            new Base(),
            1,
            "ns",
            List.of(),
            Map.of());
    assertThat(plain.hasGroups()).isFalse();
    assertThat(plain.permits.availablePermits()).isEqualTo(1);
    assertThat(plain.unknownGroup(call("plain", "()I", "default"))).isNull();
    assertThat(plain.unknownGroup(call("plain", "()I", "io"))).contains("it declares none");
    plain.close();
  }

  private static TaskSpec call(String method, String signature, String group) {
    return TaskSpec.newBuilder()
        .setFunction(method(Sub.class, method, signature))
        .setConcurrencyGroup(group)
        .build();
  }

  @Test
  void aGroupRunsAtMostItsLimitAtOnce() throws Exception {
    CallGroup<Integer> group = new CallGroup<>("io", 2);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    ConcurrentLinkedQueue<Integer> started = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(5);
    group.start(
        (Integer call, Semaphore permits) -> {
          peak.accumulateAndGet(running.incrementAndGet(), Math::max);
          started.add(call);
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            running.decrementAndGet();
            permits.release();
            done.countDown();
          }
        },
        call -> {});
    try {
      for (int i = 0; i < 5; i++) {
        group.add(i);
      }
      Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> started.size() == 2);
      Thread.sleep(300);
      assertThat(started).hasSize(2).containsExactlyInAnyOrder(0, 1);
      assertThat(group.remove(call -> call == 4)).isEqualTo(4);
      release.countDown();
      Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> done.getCount() == 1);
      assertThat(started).containsExactlyInAnyOrder(0, 1, 2, 3);
      assertThat(peak.get()).isEqualTo(2);
    } finally {
      group.close();
    }
  }

  @Test
  void aClosedGroupRefusesWhatItHadQueued() throws Exception {
    CallGroup<Integer> group = new CallGroup<>("cpu", 1);
    CountDownLatch blocked = new CountDownLatch(1);
    ConcurrentLinkedQueue<Integer> refused = new ConcurrentLinkedQueue<>();
    group.start(
        (call, permits) -> {
          blocked.countDown();
          try {
            Thread.sleep(500);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          permits.release();
        },
        refused::add);
    group.add(1);
    group.add(2);
    assertThat(blocked.await(20, TimeUnit.SECONDS)).isTrue();
    group.close();
    Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> refused.contains(2));
  }
}
