package dev.prism.serve.config;

import dev.prism.serve.Application;
import dev.prism.serve.Deployment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a bound application graph with per-deployment options: each deployment named in the
 * overrides is rebuilt through {@link Deployment#toBuilder()}, and every application that binds it
 * (directly or through arguments) is bound again around the new one. An application bound once and
 * passed to several constructors stays one application (the graph's sharing is kept), so it is
 * still one deployment.
 */
final class AppGraph {

  private final Map<String, DeploymentOptions> overrides;
  private final IdentityHashMap<Application, Application> done = new IdentityHashMap<>();

  private AppGraph(Map<String, DeploymentOptions> overrides) {
    this.overrides = overrides;
  }

  /**
   * The names of the deployments of an application, ingress first.
   *
   * @param root the ingress, bound
   * @return the names
   */
  static Set<String> deploymentNames(Application root) {
    Set<String> names = new LinkedHashSet<>();
    collect(root, names, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    return names;
  }

  private static void collect(Application a, Set<String> names, Set<Application> seen) {
    if (!seen.add(a)) {
      return;
    }
    names.add(a.deployment().name());
    for (Object arg : a.args()) {
      if (arg instanceof Application child) {
        collect(child, names, seen);
      }
    }
  }

  /**
   * Applies options by deployment name.
   *
   * @param root the ingress, bound
   * @param overrides options by deployment name; each name must be a deployment of the graph
   * @return the rewritten graph (the same one when there are no overrides)
   * @throws IllegalArgumentException naming the entry whose name is no deployment of the graph, or
   *     whose options are refused
   */
  static Application apply(Application root, Map<String, DeploymentOptions> overrides) {
    if (overrides.isEmpty()) {
      return root;
    }
    Set<String> names = deploymentNames(root);
    for (DeploymentOptions o : overrides.values()) {
      if (!names.contains(o.name)) {
        throw ConfigNode.bad(
            o.path + ".name",
            "the application has no deployment named '"
                + o.name
                + "'; its deployments are: "
                + String.join(", ", names));
      }
    }
    return new AppGraph(overrides).rewrite(root);
  }

  private Application rewrite(Application a) {
    Application before = done.get(a);
    if (before != null) {
      return before;
    }
    List<Object> args = new ArrayList<>(a.args().size());
    boolean changed = false;
    for (Object arg : a.args()) {
      Object now = arg instanceof Application child ? rewrite(child) : arg;
      changed |= now != arg;
      args.add(now);
    }
    DeploymentOptions o = overrides.get(a.deployment().name());
    Deployment<?> d = o == null ? a.deployment() : o.apply(a.deployment());
    Application out = changed || o != null ? new Application(d, args) : a;
    done.put(a, out);
    return out;
  }
}
