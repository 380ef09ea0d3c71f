package dev.prism.runtime.function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.PrismException;
import dev.prism.function.PrismFunc0;
import dev.prism.function.PrismFunc1;
import dev.prism.function.PrismFunc2;
import dev.prism.function.PrismFuncVoid1;
import dev.prism.runtime.spi.FunctionDescriptor;
import org.junit.jupiter.api.Test;

class FunctionResolverTest {

  static int add(int a, int b) {
    return a + b;
  }

  static String overloaded(String s) {
    return s;
  }

  static String overloaded(String s, int n) {
    return s.repeat(n);
  }

  static void sink(String s) {}

  /** An actor-like class. */
  static final class Counter {
    private int value;

    Counter() {}

    int inc() {
      return ++value;
    }

    static Counter create() {
      return new Counter();
    }
  }

  /** Two constructors: ambiguous as an actor factory. */
  static final class TwoWays {
    TwoWays() {}

    TwoWays(int ignored) {}
  }

  @Test
  void resolvesAStaticMethodReference() {
    FunctionDescriptor d =
        FunctionResolver.resolveTask(
            (PrismFunc2<Integer, Integer, Integer>) FunctionResolverTest::add);
    assertThat(d.className()).isEqualTo(FunctionResolverTest.class.getName());
    assertThat(d.methodName()).isEqualTo("add");
    assertThat(d.signature()).isEqualTo("(II)I");
    assertThat(d.kind()).isEqualTo(FunctionDescriptor.Kind.STATIC);
    assertThat(d.displayName()).isEqualTo("FunctionResolverTest.add");
  }

  @Test
  void resolvesVoidMethodsInstanceMethodsConstructorsAndFactories() {
    assertThat(
            FunctionResolver.resolveTask((PrismFuncVoid1<String>) FunctionResolverTest::sink)
                .signature())
        .isEqualTo("(Ljava/lang/String;)V");
    FunctionDescriptor inc =
        FunctionResolver.resolveActorMethod((PrismFunc1<Counter, Integer>) Counter::inc);
    assertThat(inc.kind()).isEqualTo(FunctionDescriptor.Kind.INSTANCE);
    assertThat(FunctionResolver.resolveActorFactory((PrismFunc0<Counter>) Counter::new).kind())
        .isEqualTo(FunctionDescriptor.Kind.CONSTRUCTOR);
    assertThat(FunctionResolver.resolveActorFactory((PrismFunc0<Counter>) Counter::create).kind())
        .isEqualTo(FunctionDescriptor.Kind.STATIC);
  }

  @Test
  void theSameCallSiteResolvesToTheSameDescriptor() {
    FunctionDescriptor first = resolveAddAtOneSite();
    assertThat(resolveAddAtOneSite()).isSameAs(first);
  }

  private static FunctionDescriptor resolveAddAtOneSite() {
    return FunctionResolver.resolveTask(
        (PrismFunc2<Integer, Integer, Integer>) FunctionResolverTest::add);
  }

  @Test
  void refusesLambdaExpressions() {
    assertThatThrownBy(() -> FunctionResolver.resolveTask((PrismFunc0<Integer>) () -> 42))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("lambda expression")
        .hasMessageContaining("static method");
  }

  @Test
  void refusesLambdasThatCaptureValues() {
    int captured = 7;
    assertThatThrownBy(() -> FunctionResolver.resolveTask((PrismFunc0<Integer>) () -> captured))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("lambda expression");
  }

  @Test
  void refusesBoundMethodReferences() {
    String receiver = "abc";
    assertThatThrownBy(() -> FunctionResolver.resolveTask((PrismFunc0<Integer>) receiver::length))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("captures 1 value")
        .hasMessageContaining("unbound reference");
  }

  @Test
  void refusesOverloadedMethods() {
    assertThatThrownBy(
            () ->
                FunctionResolver.resolveTask(
                    (PrismFunc1<String, String>) FunctionResolverTest::overloaded))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("methods named 'overloaded' (2)")
        .hasMessageContaining("own name");
  }

  @Test
  void refusesAnAmbiguousConstructor() {
    assertThatThrownBy(
            () -> FunctionResolver.resolveActorFactory((PrismFunc0<TwoWays>) TwoWays::new))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("constructors (2)")
        .hasMessageContaining("static factory");
  }

  @Test
  void refusesAnInstanceMethodPassedAsATask() {
    assertThatThrownBy(
            () -> FunctionResolver.resolveTask((PrismFunc1<Counter, Integer>) Counter::inc))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("Counter.inc is an instance method")
        .hasMessageContaining("actor");
  }

  @Test
  void refusesAStaticMethodPassedAsAnActorCall() {
    assertThatThrownBy(
            () ->
                FunctionResolver.resolveActorMethod(
                    (PrismFunc2<Integer, Integer, Integer>) FunctionResolverTest::add))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("is a static method");
  }

  @Test
  void refusesNullAndHandWrittenImplementations() {
    assertThatThrownBy(() -> FunctionResolver.resolveTask(null))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("null");
    PrismFunc0<Integer> handWritten =
        new PrismFunc0<>() {
          @Override
          public Integer apply() {
            return 1;
          }
        };
    assertThatThrownBy(() -> FunctionResolver.resolveTask(handWritten))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("not a method reference");
  }
}
