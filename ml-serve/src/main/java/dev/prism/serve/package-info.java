/**
 * Serving endpoints on Prism, as Ray Serve: a {@link dev.prism.serve.Deployment} is a class whose
 * replicas run as actors; {@link dev.prism.serve.Serve#run} deploys an {@link
 * dev.prism.serve.Application} behind an HTTP proxy (HTTP/1.1 and h2c) and returns a {@link
 * dev.prism.serve.DeploymentHandle} for calls from Java. Deployments scale on load ({@link
 * dev.prism.serve.AutoscalingConfig}), batch requests ({@link dev.prism.serve.Batcher}), multiplex
 * models ({@link dev.prism.serve.ModelCache}), update without dropping requests and survive the
 * loss of a replica, a proxy or the controller.
 */
package dev.prism.serve;
