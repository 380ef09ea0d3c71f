package dev.prism;

import dev.prism.function.PrismFunc;
import dev.prism.function.PrismFunc1;
import dev.prism.function.PrismFunc2;
import dev.prism.function.PrismFunc3;
import dev.prism.function.PrismFunc4;
import dev.prism.function.PrismFunc5;
import dev.prism.function.PrismFunc6;
import dev.prism.function.PrismFunc7;
import dev.prism.function.PrismFuncVoid1;
import dev.prism.function.PrismFuncVoid2;
import dev.prism.function.PrismFuncVoid3;
import dev.prism.function.PrismFuncVoid4;
import dev.prism.function.PrismFuncVoid5;
import dev.prism.function.PrismFuncVoid6;
import dev.prism.function.PrismFuncVoid7;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.runtime.spi.Functions;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link ConcurrencyGroupConfig}, as Ray's Java API does:
 *
 * <pre>{@code
 * ConcurrencyGroupConfig<Store> io =
 *     new ConcurrencyGroupBuilder<Store>().setName("io").setMaxConcurrency(2)
 *         .addMethod(Store::read).addMethod(Store::write).build();
 * ActorHandle<Store> store = Prism.actor(Store::new).setConcurrencyGroup(io).remote();
 * }</pre>
 *
 * <p>Methods are unbound method references to instance methods of the actor's class, not
 * overloaded, as for {@code handle.task}; there is one {@code addMethod} per arity (0 to 6
 * arguments after the instance) and return kind. Not thread-safe.
 *
 * @param <A> the actor class (or a supertype of it) whose methods are listed
 */
public final class ConcurrencyGroupBuilder<A> {

  private String name;
  private int maxConcurrency = 1;
  private final List<FunctionDescriptor> methods = new ArrayList<>();

  /** A builder of a group without name yet, of max concurrency 1 and without methods. */
  public ConcurrencyGroupBuilder() {}

  /**
   * Sets the group's name (required).
   *
   * @param name the name, unique among the actor's groups and not {@value ConcurrencyGroup#DEFAULT}
   * @return this builder
   * @throws IllegalArgumentException if the name is blank or {@value ConcurrencyGroup#DEFAULT}
   */
  public ConcurrencyGroupBuilder<A> setName(String name) {
    this.name = ConcurrencyGroupConfig.checkName(name);
    return this;
  }

  /**
   * Sets how many of the group's calls may run at once (default 1: one at a time, in arrival
   * order).
   *
   * @param maxConcurrency 1 or more
   * @return this builder
   * @throws IllegalArgumentException if below 1
   */
  public ConcurrencyGroupBuilder<A> setMaxConcurrency(int maxConcurrency) {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException(
          "max concurrency of concurrency group "
              + (name == null ? "(not named yet)" : "\"" + name + "\"")
              + " is "
              + maxConcurrency
              + "; give 1 or more");
    }
    this.maxConcurrency = maxConcurrency;
    return this;
  }

  /**
   * Builds the group.
   *
   * @return the group
   * @throws IllegalStateException if no name was set
   */
  public ConcurrencyGroupConfig<A> build() {
    if (name == null) {
      throw new IllegalStateException(
          "the concurrency group has no name: call setName(...) before build()");
    }
    return new ConcurrencyGroupConfig<>(name, maxConcurrency, methods);
  }

  private ConcurrencyGroupBuilder<A> add(PrismFunc method) {
    FunctionDescriptor f = Functions.actorMethod(method);
    if (!methods.contains(f)) {
      methods.add(f);
    }
    return this;
  }

  /**
   * Puts the calls of a method (or an async one) with no arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <R> ConcurrencyGroupBuilder<A> addMethod(PrismFunc1<A, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with no arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public ConcurrencyGroupBuilder<A> addMethod(PrismFuncVoid1<A> method) {
    return add(method);
  }

  /**
   * Puts the calls of a method (or an async one) with 1 argument in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, R> ConcurrencyGroupBuilder<A> addMethod(PrismFunc2<A, T0, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with 1 argument in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0> ConcurrencyGroupBuilder<A> addMethod(PrismFuncVoid2<A, T0> method) {
    return add(method);
  }

  /**
   * Puts the calls of a method (or an async one) with 2 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, R> ConcurrencyGroupBuilder<A> addMethod(PrismFunc3<A, T0, T1, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with 2 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1> ConcurrencyGroupBuilder<A> addMethod(PrismFuncVoid3<A, T0, T1> method) {
    return add(method);
  }

  /**
   * Puts the calls of a method (or an async one) with 3 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, R> ConcurrencyGroupBuilder<A> addMethod(PrismFunc4<A, T0, T1, T2, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with 3 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2> ConcurrencyGroupBuilder<A> addMethod(PrismFuncVoid4<A, T0, T1, T2> method) {
    return add(method);
  }

  /**
   * Puts the calls of a method (or an async one) with 4 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, T3, R> ConcurrencyGroupBuilder<A> addMethod(
      PrismFunc5<A, T0, T1, T2, T3, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with 4 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, T3> ConcurrencyGroupBuilder<A> addMethod(
      PrismFuncVoid5<A, T0, T1, T2, T3> method) {
    return add(method);
  }

  /**
   * Puts the calls of a method (or an async one) with 5 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, T3, T4, R> ConcurrencyGroupBuilder<A> addMethod(
      PrismFunc6<A, T0, T1, T2, T3, T4, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with 5 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, T3, T4> ConcurrencyGroupBuilder<A> addMethod(
      PrismFuncVoid6<A, T0, T1, T2, T3, T4> method) {
    return add(method);
  }

  /**
   * Puts the calls of a method (or an async one) with 6 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, T3, T4, T5, R> ConcurrencyGroupBuilder<A> addMethod(
      PrismFunc7<A, T0, T1, T2, T3, T4, T5, R> method) {
    return add(method);
  }

  /**
   * Puts the calls of a void method with 6 arguments in this group.
   *
   * @param method the unbound method reference, e.g. {@code Store::read}
   * @return this builder
   * @throws PrismException if the reference is not a plain instance method
   */
  public <T0, T1, T2, T3, T4, T5> ConcurrencyGroupBuilder<A> addMethod(
      PrismFuncVoid7<A, T0, T1, T2, T3, T4, T5> method) {
    return add(method);
  }
}
