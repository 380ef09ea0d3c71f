package dev.prism.serve.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prism.serve.Application;
import dev.prism.serve.AutoscalingConfig;
import dev.prism.serve.Deployment;
import dev.prism.serve.DeploymentHandle;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Turns a bound {@link Application} graph into the {@link AppSpec} the controller keeps. */
public final class AppBuilder {

  private final String app;
  private final Map<String, DeploymentSpec> specs = new LinkedHashMap<>();
  private final Map<String, Application> seen = new LinkedHashMap<>();

  private AppBuilder(String app) {
    this.app = app;
  }

  /**
   * Builds the spec of an application.
   *
   * @param root the ingress, bound
   * @param name the application's name
   * @param routePrefix its route prefix, or null
   * @return the spec
   * @throws IllegalArgumentException when two different deployments share a name, or an argument
   *     cannot be written as JSON
   */
  public static AppSpec build(Application root, String name, String routePrefix) {
    AppBuilder b = new AppBuilder(name);
    b.add(root);
    return new AppSpec(
        name, routePrefix, root.deployment().name(), new ArrayList<>(b.specs.values()));
  }

  private void add(Application a) {
    String dn = a.deployment().name();
    Application before = seen.get(dn);
    if (before != null) {
      if (before != a) {
        throw new IllegalArgumentException(
            "application "
                + app
                + " binds two different deployments named "
                + dn
                + "; give one another name (Deployment.Builder.name)");
      }
      return;
    }
    seen.put(dn, a);
    ArrayNode args = Json.MAPPER.createArrayNode();
    for (Object arg : a.args()) {
      if (arg instanceof Application child) {
        add(child);
        ObjectNode h = args.addObject().putObject("$handle");
        h.put("app", app);
        h.put("deployment", child.deployment().name());
      } else if (arg instanceof DeploymentHandle<?> handle) {
        ObjectNode h = args.addObject().putObject("$handle");
        h.put("app", handle.app());
        h.put("deployment", handle.deployment());
      } else {
        try {
          args.add(Json.MAPPER.valueToTree(arg));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "argument "
                  + arg
                  + " of deployment "
                  + dn
                  + " cannot be written as JSON (the controller keeps arguments in its"
                  + " checkpoint): "
                  + e.getMessage(),
              e);
        }
      }
    }
    specs.put(dn, spec(a.deployment(), args.toString()));
  }

  private DeploymentSpec spec(Deployment<?> d, String argsJson) {
    AutoscalingConfig as = d.autoscaling();
    DeploymentSpec.AutoscalingSpec a =
        as == null
            ? null
            : new DeploymentSpec.AutoscalingSpec(
                as.minReplicas(),
                as.maxReplicas(),
                as.initialReplicas(),
                as.targetOngoingRequests(),
                as.upscaleDelay().toMillis(),
                as.downscaleDelay().toMillis(),
                as.lookBackPeriod().toMillis());
    String version =
        d.version() != null
            ? d.version()
            : digest(
                d.type().getName()
                    + '\0'
                    + argsJson
                    + '\0'
                    + new TreeMap<>(d.resources())
                    + '\0'
                    + d.maxOngoingRequests());
    return new DeploymentSpec(
        app,
        d.name(),
        d.type().getName(),
        argsJson,
        d.numReplicas(),
        a,
        d.maxOngoingRequests(),
        d.maxQueuedRequests(),
        d.resources(),
        d.userConfig(),
        d.healthCheckPeriod().toMillis(),
        d.healthCheckTimeout().toMillis(),
        d.gracefulShutdownTimeout().toMillis(),
        d.requestTimeout().toMillis(),
        version);
  }

  private static String digest(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
