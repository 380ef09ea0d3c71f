package dev.prism;

import dev.prism.runtime.spi.FunctionDescriptor;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a call's argument values against the remote method's parameter types at submit time. The
 * typed {@code task(...)} overloads make a mismatch a compile error; raw types and unchecked casts
 * get past the compiler, and without this check the mistake would only show as an "argument type
 * mismatch" inside the remote process. Refs are not checked (their values are not known here).
 */
final class ArgumentCheck {

  /**
   * Parameter types per method and class loader (classes of one name from two loaders are different
   * types); an empty entry when they cannot be loaded here.
   */
  private static final Map<Key, Class<?>[]> PARAMETERS = new ConcurrentHashMap<>();

  private record Key(FunctionDescriptor function, ClassLoader loader) {}

  private static final Class<?>[] UNKNOWN = new Class<?>[0];

  private ArgumentCheck() {}

  /**
   * Throws if a value cannot be passed to its parameter.
   *
   * @throws IllegalArgumentException naming the method, the argument, its type and the parameter's
   *     type
   */
  static void check(FunctionDescriptor function, Object[] args) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ArgumentCheck.class.getClassLoader();
    }
    Class<?>[] params = PARAMETERS.computeIfAbsent(new Key(function, loader), ArgumentCheck::load);
    if (params == UNKNOWN) {
      return;
    }
    if (params.length != args.length) {
      throw new IllegalArgumentException(
          function.displayName()
              + " takes "
              + params.length
              + " argument(s) but was given "
              + args.length);
    }
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i];
      Class<?> param = params[i];
      if (arg instanceof ObjectRef<?>) {
        continue;
      }
      if (arg == null) {
        if (param.isPrimitive()) {
          throw new IllegalArgumentException(
              "argument "
                  + i
                  + " of "
                  + function.displayName()
                  + " is null, but its parameter is a "
                  + param.getName()
                  + ": give a value");
        }
      } else if (!accepts(param, arg.getClass()) && sameType(param, arg.getClass())) {
        throw new IllegalArgumentException(
            "argument "
                + i
                + " of "
                + function.displayName()
                + " is a "
                + arg.getClass().getName()
                + ", but its parameter is a "
                + param.getName()
                + " (raw types or an unchecked cast hid the mismatch)");
      }
    }
  }

  private static Class<?>[] load(Key key) {
    try {
      return MethodType.fromMethodDescriptorString(key.function().signature(), key.loader())
          .parameterArray();
    } catch (TypeNotPresentException | IllegalArgumentException e) {
      return UNKNOWN; // the remote side reports it
    }
  }

  /**
   * Whether the value's own class loader sees the parameter's type as the same class, so that a
   * mismatch is real and not two loaders' copies of one type (then the remote side decides).
   */
  private static boolean sameType(Class<?> param, Class<?> value) {
    if (param.isPrimitive() || param.getClassLoader() == null || value.getClassLoader() == null) {
      return true; // a JDK type on either side: no second copy of it can exist
    }
    try {
      return Class.forName(param.getName(), false, value.getClassLoader()) == param;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static boolean accepts(Class<?> param, Class<?> value) {
    if (!param.isPrimitive()) {
      return param.isAssignableFrom(value);
    }
    Class<?> from = unboxed(value);
    if (from == null) {
      return false;
    }
    if (from == param) {
      return true;
    }
    // the primitive widening conversions the invocation applies
    return switch (from.getName()) {
      case "byte" ->
          param == short.class
              || param == int.class
              || param == long.class
              || param == float.class
              || param == double.class;
      case "short", "char" ->
          param == int.class
              || param == long.class
              || param == float.class
              || param == double.class;
      case "int" -> param == long.class || param == float.class || param == double.class;
      case "long" -> param == float.class || param == double.class;
      case "float" -> param == double.class;
      default -> false;
    };
  }

  private static Class<?> unboxed(Class<?> c) {
    if (c == Integer.class) {
      return int.class;
    } else if (c == Long.class) {
      return long.class;
    } else if (c == Double.class) {
      return double.class;
    } else if (c == Boolean.class) {
      return boolean.class;
    } else if (c == Float.class) {
      return float.class;
    } else if (c == Short.class) {
      return short.class;
    } else if (c == Byte.class) {
      return byte.class;
    } else if (c == Character.class) {
      return char.class;
    }
    return null;
  }
}
