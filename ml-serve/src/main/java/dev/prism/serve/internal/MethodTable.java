package dev.prism.serve.internal;

import dev.prism.serve.ServeException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.ConcurrentHashMap;

/** The public methods of a deployment's class by name and arity, looked up once each. */
final class MethodTable {

  private final Class<?> type;
  private final ConcurrentHashMap<String, Method> cache = new ConcurrentHashMap<>();

  MethodTable(Class<?> type) {
    this.type = type;
  }

  Method find(String name, int arity) {
    return cache.computeIfAbsent(name + "/" + arity, k -> lookup(name, arity));
  }

  private Method lookup(String name, int arity) {
    Method found = null;
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name)
          && m.getParameterCount() == arity
          && !Modifier.isStatic(m.getModifiers())) {
        if (found != null && !m.isBridge() && !found.isBridge()) {
          throw new ServeException(
              type.getName()
                  + " has several public methods "
                  + name
                  + " with "
                  + arity
                  + " parameters; a deployment's methods called through handles must not be"
                  + " overloaded");
        }
        if (found == null || found.isBridge()) {
          found = m;
        }
      }
    }
    if (found == null) {
      throw new ServeException(
          type.getName() + " has no public method " + name + " with " + arity + " parameters");
    }
    found.setAccessible(true);
    return found;
  }
}
