package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.function.PrismFunc1;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Misuse of the public API: values that cannot be serialized, invalid resources, run-time arity and
 * type mistakes, nulls, refs used after their session, calls on killed actors. Each must fail at
 * once with an exception whose message names what was wrong.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiMisuseTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() {
    Prism.init(ClusterFixture.small().build());
  }

  @AfterAll
  static void stop() {
    ClusterFixture.shutdownAndCheck();
  }

  // --- remote functions and actor classes (public, so worker processes can load them) ---

  public static Object identity(Object value) {
    return value;
  }

  public static int length(String s) {
    return s.length();
  }

  public static String describe(String s) {
    return s == null ? "got null" : "got " + s;
  }

  public static Object makeThread() {
    return new Thread(() -> {});
  }

  public static Object makeSocketHolder() throws IOException {
    return new Holder(new ServerSocket(0));
  }

  /** A value holding a resource that cannot leave its process. */
  public record Holder(Object resource) {}

  /** A plain actor. */
  public static final class Counter {
    private int value;

    public Counter() {}

    public int inc() {
      return ++value;
    }

    public Object leak() {
      return Thread.currentThread();
    }

    public static int helper(Counter c) {
      return 0;
    }
  }

  /** An actor whose constructor takes any value. */
  public static final class Seeded {
    public Seeded(Object seed) {}
  }

  /** Another actor class, to call one class's method on the other's handle. */
  public static final class Other {
    public Other() {}

    public int other() {
      return 7;
    }
  }

  // --- values that cannot be serialized ---

  @Test
  @Order(1)
  void unserializableArgumentsAreRefusedAtSubmitNamingTheType() throws IOException {
    assertThatThrownBy(() -> Prism.task(ApiMisuseTest::identity, (Object) new Thread()).remote())
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("Thread");
    Path file = Files.createTempFile("prism-misuse", ".bin");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      assertThatThrownBy(
              () -> Prism.task(ApiMisuseTest::identity, (Object) new Holder(channel)).remote())
          .isInstanceOf(PrismSerializationException.class)
          .hasMessageContaining(Holder.class.getName())
          .hasMessageContaining("FileDescriptor");
      assertThatThrownBy(() -> Prism.put(new Holder(channel)))
          .isInstanceOf(PrismSerializationException.class)
          .hasMessageContaining(Holder.class.getName())
          .hasMessageContaining("FileDescriptor");
    } finally {
      Files.deleteIfExists(file);
    }
    assertThatThrownBy(() -> Prism.actor(Seeded::new, (Object) new Thread()).remote())
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("Thread");
    // the cluster is fine afterwards
    assertThat(Prism.get(Prism.task(ApiMisuseTest::length, "four").remote(), WAIT)).isEqualTo(4);
  }

  @Test
  @Order(2)
  void unserializableReturnValuesFailTheGetNamingTheType() {
    assertThatThrownBy(() -> Prism.get(Prism.task(ApiMisuseTest::makeThread).remote(), WAIT))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("Thread");
    assertThatThrownBy(() -> Prism.get(Prism.task(ApiMisuseTest::makeSocketHolder).remote(), WAIT))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("ServerSocket");
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    assertThatThrownBy(() -> Prism.get(counter.task(Counter::leak).remote(), WAIT))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("Thread");
    // the actor survives a result it could not send
    assertThat(Prism.get(counter.task(Counter::inc).remote(), WAIT)).isEqualTo(1);
    counter.kill();
  }

  // --- invalid resources ---

  @Test
  @Order(3)
  void invalidResourceAmountsAndNamesAreRefusedNamingThem() {
    TaskCaller<Integer> task = Prism.task(ApiMisuseTest::length, "x");
    ActorCreator<Counter> actor = Prism.actor(Counter::new);
    for (double bad :
        new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300}) {
      assertThatThrownBy(() -> task.setResource("CPU", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("CPU");
      assertThatThrownBy(() -> actor.setResource("custom", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("custom");
    }
    assertThatThrownBy(() -> task.setResource("GPU", 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GPU")
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> actor.setResource("GPU", 2.25))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GPU");
    for (String name : new String[] {"", "   "}) {
      assertThatThrownBy(() -> task.setResource(name, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("name");
      assertThatThrownBy(() -> actor.setResource(name, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("name");
    }
    // whole GPUs, fractions below 1 and zero are fine
    task.setResource("GPU", 0.5).setResource("GPU", 2).setResource("GPU", 0);
    assertThat(Prism.get(task.remote(), WAIT)).isEqualTo(1);

    assertThatThrownBy(() -> PrismConfig.builder().numCpus(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numCpus");
    assertThatThrownBy(() -> PrismConfig.builder().numGpus(Double.NaN).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numGpus");
    assertThatThrownBy(() -> PrismConfig.builder().resource(" ", 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> PrismConfig.builder().resource("r", -2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("r");
    assertThatThrownBy(() -> PrismConfig.builder().objectStoreMemory(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("objectStoreMemory");
    assertThatThrownBy(
            () -> PlacementGroups.create(List.of(Map.of("CPU", -1.0)), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CPU");
    assertThatThrownBy(
            () ->
                PlacementGroups.create(List.of(Map.of("CPU", Double.NaN)), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CPU");
    assertThatThrownBy(
            () -> PlacementGroups.create(List.of(Map.of("GPU", 1.5)), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GPU");
    assertThatThrownBy(() -> PlacementGroups.create(List.of(), PlacementStrategy.PACK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bundle");
  }

  // --- run-time arity and type mistakes ---

  @Test
  @Order(4)
  @SuppressWarnings({"unchecked", "rawtypes"})
  void methodsOfTheWrongKindOrClassAreRefusedAtSubmit() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    try {
      // a static method that takes the actor as its first parameter is not an actor method
      assertThatThrownBy(() -> counter.task(Counter::helper))
          .isInstanceOf(PrismException.class)
          .hasMessageContaining("helper");
      // another class's method through a raw handle
      ActorHandle<Other> wrong = (ActorHandle) counter;
      assertThatThrownBy(() -> wrong.task(Other::other).remote())
          .isInstanceOf(PrismException.class)
          .hasMessageContaining("other")
          .hasMessageContaining(Counter.class.getName());
      // an instance method as a task, a constructor as a task
      assertThatThrownBy(() -> Prism.task(Counter::inc, new Counter()))
          .isInstanceOf(PrismException.class)
          .hasMessageContaining("inc");
      assertThat(Prism.get(counter.task(Counter::inc).remote(), WAIT)).isEqualTo(1);
    } finally {
      counter.kill();
    }
  }

  @Test
  @Order(5)
  @SuppressWarnings({"unchecked", "rawtypes"})
  void argumentsOfTheWrongTypeThroughRawTypesAreRefusedAtSubmit() {
    PrismFunc1 raw = (PrismFunc1<String, Integer>) ApiMisuseTest::length;
    assertThatThrownBy(() -> Prism.task(raw, (Object) 42).remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("length")
        .hasMessageContaining("java.lang.Integer")
        .hasMessageContaining("java.lang.String");
    // a primitive parameter given null
    PrismFunc1 prim = (PrismFunc1<Integer, Integer>) ApiMisuseTest::square;
    assertThatThrownBy(() -> Prism.task(prim, (Object) null).remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("square")
        .hasMessageContaining("null");
  }

  public static int square(int x) {
    return x * x;
  }

  // --- nulls ---

  @Test
  @Order(6)
  void nullsWhereNotAllowedAreRefusedNamingThem() {
    // one rule for the whole API: a NullPointerException whose message names the parameter
    TaskCaller<Integer> task = Prism.task(ApiMisuseTest::length, "x");
    ActorCreator<Counter> creator = Prism.actor(Counter::new);
    ActorHandle<Counter> counter = Prism.actor(Counter::new).remote();
    ObjectRef<Integer> one = Prism.put(1);
    List<ObjectRef<Integer>> withNull = new ArrayList<>();
    withNull.add(one);
    withNull.add(null);
    Map<String, Double> nullAmount = new HashMap<>();
    nullAmount.put("CPU", null);
    Map<String, Double> nullResource = new HashMap<>();
    nullResource.put(null, 1.0);
    List<Map<String, Double>> nullBundle = new ArrayList<>();
    nullBundle.add(null);

    assertNullNamed(() -> Prism.init((PrismConfig) null), "config");
    assertNullNamed(() -> Prism.init((String) null), "address");
    assertNullNamed(() -> Prism.task((PrismFunc1<String, Integer>) null, "x"), "function");
    assertNullNamed(() -> Prism.actor((dev.prism.function.PrismFunc0<Counter>) null), "factory");
    assertNullNamed(
        () -> counter.task((dev.prism.function.PrismFunc1<Counter, Integer>) null), "method");
    counter.kill();
    assertNullNamed(() -> Prism.get((ObjectRef<Object>) null), "ref");
    assertNullNamed(() -> Prism.get((ObjectRef<Object>) null, WAIT), "ref");
    assertNullNamed(() -> Prism.get(one, null), "timeout");
    assertNullNamed(() -> Prism.get((List<ObjectRef<Object>>) null), "refs");
    assertNullNamed(() -> Prism.get((List<ObjectRef<Object>>) null, WAIT), "refs");
    assertNullNamed(() -> Prism.get(withNull), "refs[1]");
    assertNullNamed(() -> Prism.get(withNull, WAIT), "refs[1]");
    assertNullNamed(() -> Prism.get(List.of(one), null), "timeout");
    assertNullNamed(() -> Prism.wait(null, 0, WAIT), "refs");
    assertNullNamed(() -> Prism.wait(null, WAIT), "refs");
    assertNullNamed(() -> Prism.wait(withNull, 1, WAIT), "refs[1]");
    assertNullNamed(() -> Prism.wait(List.of(one), 1, null), "timeout");
    assertNullNamed(() -> Prism.cancel(null), "ref");
    assertNullNamed(() -> Prism.cancel(null, true), "ref");
    assertNullNamed(() -> Prism.kill(null), "actor");
    assertNullNamed(() -> Prism.kill(null, false), "actor");
    assertNullNamed(() -> Prism.getActor(null), "name");
    assertNullNamed(() -> Prism.getActor(null, "ns"), "name");
    assertNullNamed(() -> task.setResource(null, 1), "resource");
    assertNullNamed(() -> creator.setResource(null, 1), "resource");
    assertNullNamed(() -> task.setResources(null), "amounts");
    assertNullNamed(() -> creator.setResources(null), "amounts");
    assertNullNamed(() -> task.setResources(nullAmount), "amounts[CPU]");
    assertNullNamed(() -> creator.setResources(nullAmount), "amounts[CPU]");
    assertNullNamed(() -> task.setResources(nullResource), "amounts");
    assertNullNamed(() -> task.setSchedulingStrategy(null), "strategy");
    assertNullNamed(() -> creator.setSchedulingStrategy(null), "strategy");
    assertNullNamed(() -> task.setPlacementGroup(null, 0), "group");
    assertNullNamed(() -> creator.setPlacementGroup(null, 0), "group");
    assertNullNamed(() -> creator.setName(null), "name");
    assertNullNamed(() -> creator.setNamespace(null), "namespace");
    assertNullNamed(() -> creator.setLifetime(null), "lifetime");
    assertNullNamed(() -> SchedulingStrategy.placementGroup(null, 0), "group");
    assertNullNamed(() -> SchedulingStrategy.placementGroup(null), "group");
    assertNullNamed(() -> SchedulingStrategy.nodeAffinity(null, true), "nodeId");
    assertNullNamed(() -> PlacementGroups.create(null, PlacementStrategy.PACK), "bundles");
    assertNullNamed(() -> PlacementGroups.create(List.of(Map.of("CPU", 1.0)), null), "strategy");
    assertNullNamed(() -> PlacementGroups.create(nullBundle, PlacementStrategy.PACK), "bundles[0]");
    assertNullNamed(
        () -> PlacementGroups.create(List.of(nullAmount), PlacementStrategy.PACK),
        "bundles[0][CPU]");
    assertNullNamed(
        () -> PlacementGroups.create(List.of(nullResource), PlacementStrategy.PACK), "bundles[0]");
    assertNullNamed(() -> PlacementGroups.remove(null), "group");
    assertNullNamed(() -> PlacementGroups.get(null), "id");
    assertNullNamed(() -> PlacementGroups.getByName(null), "name");
    assertNullNamed(() -> PrismConfig.builder().resource(null, 1), "name");
    assertNullNamed(() -> PrismConfig.builder().namespace(null), "namespace");
    assertNullNamed(() -> PrismConfig.builder().workerJvmOptions(null), "options");
    assertNullNamed(() -> PrismConfig.builder().controlTimeout(null), "timeout");
    assertNullNamed(() -> new WaitResult<Integer>(null, List.of()), "ready");
    assertNullNamed(
        () ->
            new RuntimeContext("j", "n", "127.0.0.1", "w", null, true, java.util.Optional.empty()),
        "gpuIds");
    // null as an argument value is allowed: the method receives null
    assertThat(Prism.get(Prism.task(ApiMisuseTest::describe, (String) null).remote(), WAIT))
        .isEqualTo("got null");
    ObjectRef<Object> nullRef = Prism.put(null);
    assertThat(Prism.get(nullRef, WAIT)).isNull();
    assertThat(Prism.get(Prism.task(ApiMisuseTest::describe, (String) null).remote(), WAIT))
        .isEqualTo("got null");
  }

  /** The call throws a NullPointerException whose message starts with the parameter's name. */
  private static void assertNullNamed(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String parameter) {
    assertThatThrownBy(call)
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith(parameter);
  }

  // --- killed actors ---

  @Test
  @Order(7)
  void callsOnAKilledActorFailNamingTheActor() {
    ActorHandle<Counter> counter = Prism.actor(Counter::new).setName("misuse-victim").remote();
    assertThat(Prism.get(counter.task(Counter::inc).remote(), WAIT)).isEqualTo(1);
    counter.kill();
    // the actor's process may still run for a moment: no call made after kill() reaches it
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> Prism.get(counter.task(Counter::inc).remote(), WAIT))
          .isInstanceOf(ActorDiedException.class)
          .hasMessageContaining(counter.actorId().substring(0, 8));
    }
    // killing again is harmless; the name is free again
    Prism.kill(counter);
    assertThat(Prism.<Counter>getActor("misuse-victim")).isEmpty();
  }

  // --- refs used outside their session ---

  @Test
  @Order(100)
  void refsOfAStoppedSessionFailClearly() {
    ObjectRef<Integer> small = Prism.put(42);
    ObjectRef<byte[]> large = Prism.put(new byte[1 << 20]);
    ObjectRef<Integer> task = Prism.task(ApiMisuseTest::length, "abc").remote();
    assertThat(Prism.get(task, WAIT)).isEqualTo(3);
    Prism.shutdown();
    for (ObjectRef<?> ref : List.of(small, large, task)) {
      assertThatThrownBy(() -> Prism.get(ref, WAIT))
          .isInstanceOf(PrismException.class)
          .hasMessageContaining(ref.id())
          .hasMessageContaining("shut down");
      assertThatThrownBy(ref::get)
          .isInstanceOf(PrismException.class)
          .hasMessageContaining(ref.id())
          .hasMessageContaining("shut down");
    }
    assertThatThrownBy(() -> Prism.put(1))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("not initialized");
    Prism.init(ClusterFixture.small().prestartWorkers(0).build());
    for (ObjectRef<?> ref : List.of(small, large, task)) {
      assertThatThrownBy(() -> Prism.get(ref, WAIT))
          .isInstanceOf(PrismException.class)
          .hasMessageContaining(ref.id());
      assertThatThrownBy(() -> Prism.task(ApiMisuseTest::identity, (Object) ref).remote())
          .isInstanceOf(PrismException.class)
          .hasMessageContaining(ref.id());
      assertThatThrownBy(() -> Prism.wait(List.of(ref), 1, WAIT))
          .isInstanceOf(PrismException.class)
          .hasMessageContaining(ref.id());
    }
    // the new session works
    assertThat(Prism.get(Prism.task(ApiMisuseTest::length, "abcd").remote(), WAIT)).isEqualTo(4);
  }
}
