/**
 * The machinery behind {@link dev.prism.serve.Serve}, not for users: the controller actor that
 * reconciles deployments to their target state and checkpoints it in the cluster's key-value store,
 * the replica actor, the HTTP proxy (Netty) with its routes and metrics, and the router that
 * spreads requests over replicas by power of two choices with queueing and retries.
 */
package dev.prism.serve.internal;
