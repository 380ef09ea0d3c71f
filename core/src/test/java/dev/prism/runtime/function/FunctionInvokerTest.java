package dev.prism.runtime.function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.PrismException;
import dev.prism.function.PrismFunc0;
import dev.prism.function.PrismFunc1;
import dev.prism.function.PrismFunc3;
import dev.prism.function.PrismFunc6;
import dev.prism.function.PrismFuncVoid1;
import dev.prism.runtime.spi.FunctionDescriptor;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FunctionInvokerTest {

  private final FunctionInvoker invoker = new FunctionInvoker(getClass().getClassLoader());
  private static final AtomicInteger SIDE_EFFECTS = new AtomicInteger();

  private static long sum6(int a, long b, short c, byte d, Integer e, Long f) {
    return a + b + c + d + e + f;
  }

  static void touch(String ignored) {
    SIDE_EFFECTS.incrementAndGet();
  }

  static String fails(String why) throws IOException {
    throw new IOException(why);
  }

  static int twice(int x) {
    return 2 * x;
  }

  /** An actor-like class. */
  static final class Acc {
    private int total;

    private Acc(int start) {
      this.total = start;
    }

    int add(int x, int y) {
      total += x + y;
      return total;
    }
  }

  @Test
  void callsStaticMethodsIncludingPrivateOnesWithPrimitiveParameters() throws Throwable {
    FunctionDescriptor d =
        FunctionResolver.resolveTask(
            (PrismFunc6<Integer, Long, Short, Byte, Integer, Long, Long>)
                FunctionInvokerTest::sum6);
    FunctionInvoker.Target t = invoker.target(d);
    assertThat(t.argumentCount()).isEqualTo(6);
    assertThat(t.invoke(null, new Object[] {1, 2L, (short) 3, (byte) 4, 5, 6L})).isEqualTo(21L);
    assertThat(invoker.target(d)).isSameAs(t);
  }

  @Test
  void voidMethodsReturnNull() throws Throwable {
    FunctionInvoker.Target t =
        invoker.target(
            FunctionResolver.resolveTask((PrismFuncVoid1<String>) FunctionInvokerTest::touch));
    int before = SIDE_EFFECTS.get();
    assertThat(t.returnsVoid()).isTrue();
    assertThat(t.invoke(null, new Object[] {"x"})).isNull();
    assertThat(SIDE_EFFECTS.get()).isEqualTo(before + 1);
  }

  @Test
  void constructsAndCallsInstanceMethods() throws Throwable {
    Object acc =
        invoker
            .target(FunctionResolver.resolveActorFactory((PrismFunc1<Integer, Acc>) Acc::new))
            .invoke(null, new Object[] {10});
    FunctionInvoker.Target add =
        invoker.target(
            FunctionResolver.resolveActorMethod(
                (PrismFunc3<Acc, Integer, Integer, Integer>) Acc::add));
    assertThat(add.argumentCount()).isEqualTo(2);
    assertThat(add.invoke(acc, new Object[] {1, 2})).isEqualTo(13);
    assertThat(add.invoke(acc, new Object[] {0, 1})).isEqualTo(14);
  }

  @Test
  void exceptionsOfTheMethodPropagateUnchanged() {
    FunctionInvoker.Target t =
        invoker.target(
            FunctionResolver.resolveTask((PrismFunc1<String, String>) FunctionInvokerTest::fails));
    assertThatThrownBy(() -> t.invoke(null, new Object[] {"boom"}))
        .isInstanceOf(IOException.class)
        .hasMessage("boom");
  }

  @Test
  void wrongArgumentCountAndTypesAreClearErrors() {
    FunctionInvoker.Target t =
        invoker.target(
            FunctionResolver.resolveTask(
                (PrismFunc1<Integer, Integer>) FunctionInvokerTest::twice));
    assertThatThrownBy(() -> t.invoke(null, new Object[] {1, 2}))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("takes 1 argument(s) but was given 2");
    assertThatThrownBy(() -> t.invoke(null, new Object[] {"not an int"}))
        .isInstanceOf(ClassCastException.class);
  }

  @Test
  void aMissingClassOrMethodNamesTheDescriptor() {
    FunctionDescriptor missingClass =
        new FunctionDescriptor("com.nowhere.Gone", "run", "()V", FunctionDescriptor.Kind.STATIC);
    assertThatThrownBy(() -> invoker.target(missingClass))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("com.nowhere.Gone.run()V")
        .hasMessageContaining("classpath");
    FunctionDescriptor missingMethod =
        new FunctionDescriptor(
            FunctionInvokerTest.class.getName(), "absent", "()I", FunctionDescriptor.Kind.STATIC);
    assertThatThrownBy(() -> invoker.target(missingMethod))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("absent()I");
  }

  @Test
  void zeroArgumentFunctions() throws Throwable {
    FunctionInvoker.Target t =
        invoker.target(FunctionResolver.resolveTask((PrismFunc0<Long>) System::nanoTime));
    assertThat(t.invoke(null, new Object[0])).isInstanceOf(Long.class);
  }
}
