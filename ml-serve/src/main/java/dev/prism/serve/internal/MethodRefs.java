package dev.prism.serve.internal;

import dev.prism.function.PrismFunc;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;

/** The method a handle call names, from its method reference. */
public final class MethodRefs {

  private static final ConcurrentHashMap<Class<?>, String> NAMES = new ConcurrentHashMap<>();

  private MethodRefs() {}

  /**
   * The name of the instance method a reference such as {@code Model::predict} names.
   *
   * @param ref the reference
   * @return the method's name
   * @throws IllegalArgumentException for a lambda or a reference to a static method or constructor
   */
  public static String name(PrismFunc ref) {
    return NAMES.computeIfAbsent(ref.getClass(), c -> resolve(ref));
  }

  private static String resolve(PrismFunc ref) {
    SerializedLambda sl;
    try {
      Method w = ref.getClass().getDeclaredMethod("writeReplace");
      w.setAccessible(true);
      sl = (SerializedLambda) w.invoke(ref);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException(
          "a deployment call needs a method reference such as Model::predict; got " + ref, e);
    }
    if (sl.getImplMethodName().startsWith("lambda$")) {
      throw new IllegalArgumentException(
          "a deployment call needs a method reference such as Model::predict, not a lambda ("
              + sl.getImplClass().replace('/', '.')
              + ")");
    }
    int kind = sl.getImplMethodKind();
    if (kind != MethodHandleInfo.REF_invokeVirtual
        && kind != MethodHandleInfo.REF_invokeInterface) {
      throw new IllegalArgumentException(
          sl.getImplClass().replace('/', '.')
              + "::"
              + sl.getImplMethodName()
              + " is not an instance method of the deployment's class");
    }
    return sl.getImplMethodName();
  }
}
