package dev.prism.serve.internal;

import java.util.List;
import java.util.Objects;

/**
 * An application as the controller keeps it.
 *
 * @param name its name
 * @param routePrefix its route prefix ({@code /...}), or null when it is reached by handle only
 * @param ingress the name of its ingress deployment
 * @param deployments its deployments, the ingress among them
 */
public record AppSpec(
    String name, String routePrefix, String ingress, List<DeploymentSpec> deployments) {

  /**
   * Checks and copies.
   *
   * @param name name
   * @param routePrefix prefix
   * @param ingress ingress
   * @param deployments deployments
   */
  public AppSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(ingress, "ingress");
    deployments = List.copyOf(deployments);
  }
}
