package dev.prism.runtime.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.PrismSerializationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ObjectSerializerTest {

  private final ObjectSerializer serializer = new ObjectSerializer(getClass().getClassLoader());

  record Point(int x, int y, String label) {}

  /** A cyclic graph. */
  static final class Node {
    String name;
    Node next;
  }

  @Test
  void roundTripsPlainValuesRecordsAndCollections() {
    for (Object value :
        List.of(
            42,
            "text",
            3.5,
            new int[] {1, 2, 3},
            new Point(1, 2, "p"),
            List.of(new Point(3, 4, null)),
            Map.of("k", List.of(1L, 2L)))) {
      Object back = serializer.deserialize(serializer.serialize(value));
      if (value instanceof int[] array) {
        assertThat((int[]) back).containsExactly(array);
      } else {
        assertThat(back).isEqualTo(value);
      }
    }
    assertThat(serializer.deserialize(serializer.serialize(null))).isNull();
  }

  @Test
  void keepsSharedAndCyclicReferences() {
    Node a = new Node();
    Node b = new Node();
    a.name = "a";
    b.name = "b";
    a.next = b;
    b.next = a;
    Node back = (Node) serializer.deserialize(serializer.serialize(a));
    assertThat(back.next.next).isSameAs(back);
    assertThat(back.next.name).isEqualTo("b");
  }

  /** A value with a custom wire form, like an object ref. */
  static final class Handle {
    final long id;

    Handle(long id) {
      this.id = id;
    }
  }

  static final class HandleSerializer extends org.apache.fory.serializer.Serializer<Handle> {
    HandleSerializer(org.apache.fory.resolver.TypeResolver resolver) {
      super(resolver.getConfig(), Handle.class);
    }

    @Override
    public void write(org.apache.fory.context.WriteContext ctx, Handle value) {
      ctx.getBuffer().writeInt64(value.id ^ 0x5a5a);
    }

    @Override
    public Handle read(org.apache.fory.context.ReadContext ctx) {
      return new Handle(ctx.getBuffer().readInt64() ^ 0x5a5a);
    }
  }

  @Test
  void customSerializersHoldBothWaysBetweenTwoProcessesWorthOfSerializers() {
    ObjectSerializer a = new ObjectSerializer(getClass().getClassLoader());
    ObjectSerializer b = new ObjectSerializer(getClass().getClassLoader());
    a.registerSerializer(Handle.class, HandleSerializer::new);
    b.registerSerializer(Handle.class, HandleSerializer::new);
    for (int round = 0; round < 3; round++) {
      List<?> there =
          (List<?>)
              b.deserialize(
                  a.serialize(
                      new ArrayList<>(List.of(new Handle(round), new Handle(round + 100)))));
      assertThat(((Handle) there.get(1)).id).isEqualTo(round + 100);
      List<?> back =
          (List<?>) a.deserialize(b.serialize(new ArrayList<>(List.of(new Handle(round + 7)))));
      assertThat(((Handle) back.getFirst()).id).isEqualTo(round + 7);
    }
  }

  @Test
  void anUnserializableValueNamesItsType() {
    Thread thread = new Thread(() -> {});
    assertThatThrownBy(() -> serializer.serialize(List.of(thread)))
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("cannot serialize a value of type");
  }

  @Test
  void garbageBytesAreAClearError() {
    assertThatThrownBy(() -> serializer.deserialize(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}))
        .isInstanceOf(PrismSerializationException.class)
        .hasMessageContaining("cannot deserialize a value of 9 bytes");
  }

  @Test
  void isSafeToShareBetweenThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    Point p = new Point(seed, i, "t" + seed);
                    if (!p.equals(serializer.deserialize(serializer.serialize(p)))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
