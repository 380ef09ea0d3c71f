package dev.prism.runtime.worker;

import dev.prism.ConcurrencyGroup;
import dev.prism.runtime.rpc.ConcurrencyGroupProto;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Which concurrency group an actor's methods run in: the group a method was put in at creation,
 * else the group its {@link ConcurrencyGroup} annotation names, else the default group. Used by the
 * creator (to refuse a bad actor at {@code remote()}) and by the actor's process (to route calls).
 */
final class ConcurrencyGroups {

  private ConcurrencyGroups() {}

  /** A method's key: its name and JVM descriptor (an actor's methods are not overloaded). */
  static String key(String methodName, String signature) {
    return methodName + signature;
  }

  /** The key of a call's method. */
  static String key(FunctionDescriptorProto f) {
    return key(f.getMethodName(), f.getSignature());
  }

  /**
   * The group of each method that is in a named group (or annotated for the default one), by {@link
   * #key}.
   *
   * @param actorClass the actor's class
   * @param groups the groups declared at creation
   * @param display the actor, for messages
   * @return the groups by method key
   * @throws IllegalArgumentException if a method given for a group is not one of the class, is
   *     given for two groups, or an annotation names a group the actor does not declare
   */
  static Map<String, String> methodGroups(
      Class<?> actorClass, List<ConcurrencyGroupProto> groups, String display) {
    Set<String> names = new LinkedHashSet<>();
    for (ConcurrencyGroupProto g : groups) {
      names.add(g.getName());
    }
    Map<String, String> byMethod = new HashMap<>();
    for (ConcurrencyGroupProto g : groups) {
      for (FunctionDescriptorProto m : g.getMethodsList()) {
        checkMethodOf(actorClass, m, g.getName(), display);
        String before = byMethod.putIfAbsent(key(m), g.getName());
        if (before != null && !before.equals(g.getName())) {
          throw new IllegalArgumentException(
              simple(m.getClassName())
                  + "."
                  + m.getMethodName()
                  + " is put in concurrency groups \""
                  + before
                  + "\" and \""
                  + g.getName()
                  + "\" of actor "
                  + display
                  + "; a method runs in one group: add it to one of them only");
        }
      }
    }
    for (Map.Entry<String, Method> e : annotated(actorClass).entrySet()) {
      Method m = e.getValue();
      String group = m.getAnnotation(ConcurrencyGroup.class).value();
      if (!group.equals(ConcurrencyGroup.DEFAULT) && !names.contains(group)) {
        throw new IllegalArgumentException(
            simple(m.getDeclaringClass().getName())
                + "."
                + m.getName()
                + " is annotated @ConcurrencyGroup(\""
                + group
                + "\"), but actor "
                + display
                + " declares no concurrency group \""
                + group
                + "\" ("
                + (names.isEmpty() ? "it declares none" : "it declares " + names)
                + "): declare it at creation with setConcurrencyGroup(\""
                + group
                + "\", limit), or change the annotation");
      }
      byMethod.putIfAbsent(e.getKey(), group);
    }
    return byMethod;
  }

  /**
   * The annotated methods of a class by key: the most derived annotated declaration of each, from
   * the class and its superclasses, then its interfaces.
   */
  static Map<String, Method> annotated(Class<?> type) {
    Map<String, Method> found = new HashMap<>();
    Deque<Class<?>> interfaces = new ArrayDeque<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      collect(c, found);
      interfaces.addAll(List.of(c.getInterfaces()));
    }
    Set<Class<?>> seen = new HashSet<>();
    while (!interfaces.isEmpty()) {
      Class<?> i = interfaces.poll();
      if (seen.add(i)) {
        collect(i, found);
        interfaces.addAll(List.of(i.getInterfaces()));
      }
    }
    return found;
  }

  private static void collect(Class<?> c, Map<String, Method> found) {
    for (Method m : c.getDeclaredMethods()) {
      int mod = m.getModifiers();
      if (Modifier.isStatic(mod)
          || Modifier.isPrivate(mod)
          || m.isBridge()
          || m.isSynthetic()
          || !m.isAnnotationPresent(ConcurrencyGroup.class)) {
        continue;
      }
      String descriptor =
          MethodType.methodType(m.getReturnType(), m.getParameterTypes())
              .toMethodDescriptorString();
      found.putIfAbsent(key(m.getName(), descriptor), m);
    }
  }

  private static void checkMethodOf(
      Class<?> actorClass, FunctionDescriptorProto m, String group, String display) {
    Class<?> owner;
    try {
      owner = Class.forName(m.getClassName(), false, actorClass.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      owner = null;
    }
    if (owner == null || !owner.isAssignableFrom(actorClass)) {
      throw new IllegalArgumentException(
          simple(m.getClassName())
              + "."
              + m.getMethodName()
              + ", given for concurrency group \""
              + group
              + "\", is not a method of actor "
              + display
              + " (class "
              + actorClass.getName()
              + "): give methods of the actor's class");
    }
  }

  private static String simple(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  /** Whether methods of the default group (those in no named group) return a stage. */
  static boolean defaultGroupHasAsyncMethods(Class<?> type, Map<String, String> groups) {
    for (Method m : type.getMethods()) {
      if (m.getDeclaringClass() == Object.class
          || !CompletionStage.class.isAssignableFrom(m.getReturnType())) {
        continue;
      }
      String descriptor =
          MethodType.methodType(m.getReturnType(), m.getParameterTypes())
              .toMethodDescriptorString();
      String group = groups.getOrDefault(key(m.getName(), descriptor), ConcurrencyGroup.DEFAULT);
      if (group.equals(ConcurrencyGroup.DEFAULT)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses, at submit time, a call naming a concurrency group that the actor does not declare.
   *
   * @param declared the actor's named groups
   * @param display the actor, for the message
   * @param group the group the call names, or null
   * @throws IllegalArgumentException naming the group and those declared
   */
  static void checkCallGroup(List<String> declared, String display, String group) {
    if (group == null || group.equals(ConcurrencyGroup.DEFAULT) || declared.contains(group)) {
      return;
    }
    throw new IllegalArgumentException(
        "actor "
            + display
            + " has no concurrency group \""
            + group
            + "\" ("
            + (declared.isEmpty() ? "it declares none" : "it declares " + declared)
            + "): name a group declared at its creation with setConcurrencyGroup, or \""
            + ConcurrencyGroup.DEFAULT
            + "\" for the default group");
  }

  /** The declared group names, for messages. */
  static List<String> names(List<ConcurrencyGroupProto> groups) {
    List<String> names = new ArrayList<>();
    for (ConcurrencyGroupProto g : groups) {
      names.add(g.getName());
    }
    return names;
  }
}
