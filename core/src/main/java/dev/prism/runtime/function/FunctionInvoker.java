package dev.prism.runtime.function;

import dev.prism.PrismException;
import dev.prism.runtime.spi.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a {@link FunctionDescriptor} back into something callable on the executing side (the
 * worker), caching one spread method handle per descriptor. Static methods and constructors take
 * the arguments; instance methods take the receiver first.
 */
public final class FunctionInvoker {

  private final ClassLoader loader;
  private final ConcurrentHashMap<FunctionDescriptor, Target> targets = new ConcurrentHashMap<>();

  /**
   * Creates an invoker that loads classes through the given loader.
   *
   * @param loader the class loader that sees the user's classes
   */
  public FunctionInvoker(ClassLoader loader) {
    this.loader = loader;
  }

  /**
   * Looks up (once) and returns the callable target for a descriptor.
   *
   * @param descriptor the method to call
   * @return the target
   * @throws PrismException if the class or method cannot be found on this side's classpath
   */
  public Target target(FunctionDescriptor descriptor) {
    Target target = targets.get(descriptor);
    return target != null ? target : targets.computeIfAbsent(descriptor, this::lookup);
  }

  private Target lookup(FunctionDescriptor d) {
    try {
      Class<?> owner = Class.forName(d.className(), true, loader);
      MethodType type = MethodType.fromMethodDescriptorString(d.signature(), loader);
      MethodHandle handle;
      if (d.kind() == FunctionDescriptor.Kind.CONSTRUCTOR) {
        Constructor<?> constructor = owner.getDeclaredConstructor(type.parameterArray());
        constructor.setAccessible(true);
        handle = MethodHandles.lookup().unreflectConstructor(constructor);
      } else {
        Method method = owner.getDeclaredMethod(d.methodName(), type.parameterArray());
        method.setAccessible(true);
        handle = MethodHandles.lookup().unreflect(method);
      }
      int arity = handle.type().parameterCount();
      MethodHandle spread =
          handle.asType(handle.type().generic()).asSpreader(Object[].class, arity);
      boolean isVoid = type.returnType() == void.class;
      int argCount = d.kind() == FunctionDescriptor.Kind.INSTANCE ? arity - 1 : arity;
      return new Target(d, spread, argCount, isVoid, type.parameterArray(), owner);
    } catch (ClassNotFoundException | NoSuchMethodException | TypeNotPresentException e) {
      throw new PrismException(
          "cannot find "
              + d
              + " on this process's classpath: start"
              + " workers with the same classpath as the driver",
          e);
    } catch (IllegalAccessException | RuntimeException e) {
      throw new PrismException("cannot access " + d + ": " + e.getMessage(), e);
    }
  }

  /**
   * A resolved remote method.
   *
   * @param descriptor what it is
   * @param handle a handle taking one {@code Object[]} of every parameter (receiver first)
   * @param argumentCount how many arguments a caller gives (the receiver not counted)
   * @param returnsVoid whether the method returns nothing
   * @param parameterTypes the declared parameter types, receiver not included
   * @param owner the class that declares the method
   */
  public record Target(
      FunctionDescriptor descriptor,
      MethodHandle handle,
      int argumentCount,
      boolean returnsVoid,
      Class<?>[] parameterTypes,
      Class<?> owner) {

    /**
     * Calls the method. Exceptions the method throws propagate unchanged.
     *
     * @param receiver the actor instance for an instance method, else ignored
     * @param args the arguments, exactly {@link #argumentCount()} of them
     * @return the result, {@code null} for a void method
     * @throws Throwable what the method throws
     */
    public Object invoke(Object receiver, Object[] args) throws Throwable {
      if (args.length != argumentCount) {
        throw new PrismException(
            descriptor.displayName()
                + " takes "
                + argumentCount
                + " argument(s) but was given "
                + args.length);
      }
      Object[] all = args;
      if (descriptor.kind() == FunctionDescriptor.Kind.INSTANCE) {
        all = new Object[args.length + 1];
        all[0] = receiver;
        System.arraycopy(args, 0, all, 1, args.length);
      }
      return (Object) handle.invokeExact(all);
    }
  }
}
