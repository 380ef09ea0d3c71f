package dev.prism.runtime.function;

import dev.prism.PrismException;
import dev.prism.function.PrismFunc;
import dev.prism.runtime.spi.FunctionDescriptor;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * Reads which method a remote-function reference names, on the submitting side, and refuses what
 * cannot run remotely: lambdas (with or without captured values), overloaded methods, and a method
 * of the wrong kind for the call (an instance method passed to {@code Prism.task}, say). Results
 * are cached per reference class, so a call site pays the reflection once.
 */
public final class FunctionResolver {

  private FunctionResolver() {}

  /**
   * Resolves the static method that {@code Prism.task} runs.
   *
   * @param function the method reference, e.g. {@code Jobs::add}
   * @return the descriptor
   * @throws PrismException naming the problem and what to do, if it cannot run as a task
   */
  public static FunctionDescriptor resolveTask(PrismFunc function) {
    return expect(resolve(function), FunctionDescriptor.Kind.STATIC);
  }

  /**
   * Resolves the instance method an actor call runs.
   *
   * @param function the unbound method reference, e.g. {@code Counter::inc}
   * @return the descriptor
   * @throws PrismException naming the problem and what to do, if it cannot run on an actor
   */
  public static FunctionDescriptor resolveActorMethod(PrismFunc function) {
    return expect(resolve(function), FunctionDescriptor.Kind.INSTANCE);
  }

  /**
   * Resolves what creates an actor: a constructor ({@code Counter::new}) or a static factory.
   *
   * @param function the reference
   * @return the descriptor
   * @throws PrismException naming the problem and what to do, if it cannot create an actor
   */
  public static FunctionDescriptor resolveActorFactory(PrismFunc function) {
    FunctionDescriptor descriptor = resolve(function);
    return descriptor.kind() == FunctionDescriptor.Kind.STATIC
        ? descriptor
        : expect(descriptor, FunctionDescriptor.Kind.CONSTRUCTOR);
  }

  private static FunctionDescriptor resolve(PrismFunc function) {
    if (function == null) {
      throw new PrismException(
          "the remote function is null: pass a method reference such as" + " MyClass::myMethod");
    }
    return Cached.get(function);
  }

  private static FunctionDescriptor expect(FunctionDescriptor d, FunctionDescriptor.Kind kind) {
    if (d.kind() != kind) {
      throw new PrismException(wrongKind(d, kind));
    }
    return d;
  }

  /** Per-class cache; the descriptor of a reference class is fixed once computed. */
  private static final class Cached {
    private static final ClassValue<Resolution> VALUES =
        new ClassValue<>() {
          @Override
          protected Resolution computeValue(Class<?> type) {
            return new Resolution();
          }
        };

    static FunctionDescriptor get(PrismFunc function) {
      Resolution resolution = VALUES.get(function.getClass());
      FunctionDescriptor descriptor = resolution.descriptor;
      if (descriptor != null) {
        return descriptor;
      }
      synchronized (resolution) {
        if (resolution.descriptor == null && resolution.failure == null) {
          try {
            resolution.descriptor = compute(function);
          } catch (PrismException e) {
            resolution.failure = e.getMessage();
          }
        }
        if (resolution.failure != null) {
          throw new PrismException(resolution.failure);
        }
        return resolution.descriptor;
      }
    }
  }

  private static final class Resolution {
    volatile FunctionDescriptor descriptor;
    String failure;
  }

  private static FunctionDescriptor compute(PrismFunc function) {
    SerializedLambda lambda = serializedForm(function);
    String implName = lambda.getImplMethodName();
    String owner = lambda.getImplClass().replace('/', '.');
    if (implName.startsWith("lambda$")) {
      throw new PrismException(
          "a lambda expression was passed as a remote function (in "
              + owner
              + "): Prism runs references to named methods only; move the body into a"
              + " static method and pass MyClass::thatMethod, giving values as arguments");
    }
    if (lambda.getCapturedArgCount() > 0) {
      throw new PrismException(
          "the method reference to "
              + owner
              + "."
              + implName
              + " captures "
              + lambda.getCapturedArgCount()
              + " value(s) (a bound receiver such as"
              + " obj::method): pass an unbound reference (MyClass::method) and give values as"
              + " arguments");
    }
    FunctionDescriptor.Kind kind =
        switch (lambda.getImplMethodKind()) {
          case MethodHandleInfo.REF_invokeStatic -> FunctionDescriptor.Kind.STATIC;
          case MethodHandleInfo.REF_invokeVirtual, MethodHandleInfo.REF_invokeInterface ->
              FunctionDescriptor.Kind.INSTANCE;
          case MethodHandleInfo.REF_newInvokeSpecial -> FunctionDescriptor.Kind.CONSTRUCTOR;
          default ->
              throw new PrismException(
                  "the method reference to "
                      + owner
                      + "."
                      + implName
                      + " is of an unsupported kind ("
                      + MethodHandleInfo.referenceKindToString(lambda.getImplMethodKind())
                      + ")");
        };
    Class<?> ownerClass = load(owner, function.getClass().getClassLoader());
    refuseOverloads(ownerClass, implName, kind);
    return new FunctionDescriptor(owner, implName, lambda.getImplMethodSignature(), kind);
  }

  private static SerializedLambda serializedForm(PrismFunc function) {
    try {
      Method writeReplace = function.getClass().getDeclaredMethod("writeReplace");
      writeReplace.setAccessible(true);
      Object replacement = writeReplace.invoke(function);
      if (replacement instanceof SerializedLambda lambda) {
        return lambda;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Falls through to the error below: not a method reference.
    }
    throw new PrismException(
        "the remote function of type "
            + function.getClass().getName()
            + " is not a method reference: pass MyClass::myMethod rather than an instance of a"
            + " class that implements a Prism function interface");
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new PrismException("cannot load " + name + ", the class of a remote function", e);
    }
  }

  private static void refuseOverloads(Class<?> owner, String name, FunctionDescriptor.Kind kind) {
    Executable[] candidates =
        kind == FunctionDescriptor.Kind.CONSTRUCTOR
            ? owner.getDeclaredConstructors()
            : Arrays.stream(owner.getDeclaredMethods())
                .filter(m -> m.getName().equals(name) && !m.isBridge() && !m.isSynthetic())
                .toArray(Executable[]::new);
    if (kind != FunctionDescriptor.Kind.CONSTRUCTOR) {
      candidates =
          Arrays.stream(candidates)
              .filter(
                  m ->
                      Modifier.isStatic(m.getModifiers())
                          == (kind == FunctionDescriptor.Kind.STATIC))
              .toArray(Executable[]::new);
    }
    if (candidates.length > 1) {
      String what =
          kind == FunctionDescriptor.Kind.CONSTRUCTOR
              ? "constructors (" + candidates.length + ")"
              : "methods named '" + name + "' (" + candidates.length + ")";
      throw new PrismException(
          owner.getName()
              + " has several "
              + what
              + ": a remote "
              + (kind == FunctionDescriptor.Kind.CONSTRUCTOR
                  ? "actor needs one constructor, or pass a static factory method (MyActor::create)"
                  : "method must not be overloaded; give each overload its own name"));
    }
  }

  private static String wrongKind(FunctionDescriptor d, FunctionDescriptor.Kind expected) {
    return switch (expected) {
      case STATIC ->
          d.displayName()
              + " is "
              + article(d.kind())
              + ": Prism.task runs static"
              + " methods; make it static, or call it on an actor with handle.task(...)";
      case INSTANCE ->
          d.displayName()
              + " is "
              + article(d.kind())
              + ": an actor call needs an"
              + " instance method of the actor's class, passed unbound (MyActor::method)";
      case CONSTRUCTOR ->
          d.displayName()
              + " is "
              + article(d.kind())
              + ": Prism.actor needs a"
              + " constructor (MyActor::new) or a static factory";
    };
  }

  private static String article(FunctionDescriptor.Kind kind) {
    return switch (kind) {
      case STATIC -> "a static method";
      case INSTANCE -> "an instance method";
      case CONSTRUCTOR -> "a constructor";
    };
  }
}
