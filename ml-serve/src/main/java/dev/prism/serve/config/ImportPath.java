package dev.prism.serve.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.serve.Application;
import dev.prism.serve.Deployment;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An application's {@code import_path}, as Ray Serve's names an application builder: either a
 * deployment class ({@code com.example.Model}), bound with {@code args} (a list) as its
 * constructor's arguments, or a public static method ({@code com.example.MyApp::build}) that
 * returns an {@link Application}, taking no parameter or one {@code Map<String, Object>}: the
 * {@code args} mapping.
 */
final class ImportPath {

  private static final String NAME = "[\\p{L}_$][\\p{L}\\p{N}_$]*";
  private static final Pattern CLASS = Pattern.compile(NAME + "(\\." + NAME + ")*");
  private static final Pattern METHOD = Pattern.compile(NAME);

  private ImportPath() {}

  /**
   * Builds the application an import path names.
   *
   * @param path the key path of {@code import_path}
   * @param importPath its value
   * @param argsPath the key path of {@code args}
   * @param args the {@code args} value, or null
   * @param loader where classes are found
   * @return the application, bound
   * @throws IllegalArgumentException naming the key and what is wrong
   */
  static Application build(
      String path, String importPath, String argsPath, JsonNode args, ClassLoader loader) {
    int sep = importPath.indexOf("::");
    String className = sep < 0 ? importPath : importPath.substring(0, sep);
    String method = sep < 0 ? null : importPath.substring(sep + 2);
    if (!CLASS.matcher(className).matches()
        || (method != null && !METHOD.matcher(method).matches())) {
      throw ConfigNode.bad(
          path,
          "'"
              + importPath
              + "' is not a class (com.example.Model) or a static builder method"
              + " (com.example.MyApp::build)");
    }
    Class<?> type = load(path, className, loader);
    return method == null
        ? bindClass(path, type, argsPath, args)
        : callBuilder(path, type, method, argsPath, args);
  }

  private static Class<?> load(String path, String className, ClassLoader loader) {
    try {
      return Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw ConfigNode.bad(
          path,
          "class "
              + className
              + " is not on the class path ("
              + e
              + "); put its jar on this command's class path, and on the cluster's"
              + " (prism start --code-search-path)");
    }
  }

  private static Application bindClass(String path, Class<?> type, String argsPath, JsonNode args) {
    if (args != null && !args.isArray()) {
      throw ConfigNode.bad(
          argsPath,
          "expected a list of constructor arguments for the class "
              + type.getName()
              + ", not "
              + ConfigNode.describe(args)
              + " (a mapping of args goes to a builder method: import_path: Class::method)");
    }
    List<Object> values = new ArrayList<>();
    if (args != null) {
      args.forEach(v -> values.add(v.isNull() ? null : ConfigNode.toValue(v)));
    }
    if (values.contains(null)) {
      throw ConfigNode.bad(argsPath, "an argument is null; replicas cannot take null arguments");
    }
    Deployment<?> d;
    try {
      d = Deployment.builder(type).build();
    } catch (IllegalArgumentException e) {
      throw ConfigNode.bad(path, e.getMessage());
    }
    TreeSet<Integer> arities = new TreeSet<>();
    for (Constructor<?> c : type.getConstructors()) {
      arities.add(c.getParameterCount());
    }
    if (!arities.contains(values.size())) {
      throw ConfigNode.bad(
          args == null ? path : argsPath,
          type.getName()
              + " has no public constructor taking "
              + values.size()
              + " argument"
              + (values.size() == 1 ? "" : "s")
              + (arities.isEmpty()
                  ? " (it has no public constructor)"
                  : " (its public constructors take " + joinOr(arities) + ")"));
    }
    return d.bind(values.toArray());
  }

  private static Application callBuilder(
      String path, Class<?> type, String name, String argsPath, JsonNode args) {
    if (args != null && !args.isObject()) {
      throw ConfigNode.bad(
          argsPath,
          "expected a mapping of args for the builder method "
              + type.getName()
              + "::"
              + name
              + ", not "
              + ConfigNode.describe(args));
    }
    Method noArg = null;
    Method withMap = null;
    for (Method m : type.getMethods()) {
      if (!m.getName().equals(name) || !Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      if (m.getParameterCount() == 0) {
        noArg = m;
      } else if (m.getParameterCount() == 1
          && m.getParameterTypes()[0].isAssignableFrom(Map.class)) {
        withMap = m;
      }
    }
    Method m = args != null || noArg == null ? withMap : noArg;
    if (m == null) {
      throw ConfigNode.bad(
          path,
          type.getName()
              + " has no public static method "
              + name
              + (args != null ? "(Map<String, Object>)" : "() or " + name + "(Map<String, Object>)")
              + " returning an Application");
    }
    if (!Application.class.isAssignableFrom(m.getReturnType())) {
      throw ConfigNode.bad(
          path,
          type.getName()
              + "::"
              + name
              + " returns "
              + m.getReturnType().getName()
              + ", not "
              + Application.class.getName());
    }
    Object built;
    try {
      built =
          m.getParameterCount() == 0
              ? m.invoke(null)
              : m.invoke(null, args == null ? Map.of() : ConfigNode.toMap(argsPath, args));
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw new IllegalArgumentException(
          path + ": " + type.getName() + "::" + name + " failed: " + cause, cause);
    } catch (IllegalAccessException e) {
      throw ConfigNode.bad(path, type.getName() + "::" + name + " cannot be called: " + e);
    }
    if (built == null) {
      throw ConfigNode.bad(path, type.getName() + "::" + name + " returned null");
    }
    return (Application) built;
  }

  private static String joinOr(java.util.SortedSet<Integer> counts) {
    List<String> s = counts.stream().map(String::valueOf).toList();
    return s.size() == 1
        ? s.getFirst()
        : String.join(", ", s.subList(0, s.size() - 1)) + " or " + s.getLast();
  }
}
