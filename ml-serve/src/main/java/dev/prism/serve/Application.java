package dev.prism.serve;

import java.util.List;

/**
 * A deployment bound to its constructor arguments (Ray Serve's {@code Application}, the result of
 * {@code .bind()}): the ingress of an application, and through arguments that are applications
 * themselves, the deployments it calls. {@link Serve#run} deploys it.
 *
 * @param deployment the ingress deployment
 * @param args its constructor arguments; applications among them become handles
 */
public record Application(Deployment<?> deployment, List<Object> args) {

  /**
   * Validates and copies.
   *
   * @param deployment the deployment
   * @param args the arguments
   */
  public Application {
    java.util.Objects.requireNonNull(deployment, "deployment");
    args = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(args));
  }
}
