/**
 * The global control store (GCS): the cluster tables (nodes with liveness, jobs, a namespaced
 * key-value store) and the cluster resource view that node managers feed with their reports. It
 * watches drivers: a driver that stops answering ends its job, and every node is told to end its
 * leases and delete the objects it owned; a worker death a node reports is passed on to the other
 * nodes, which end the leases that worker held there.
 *
 * <p>{@link dev.prism.runtime.gcs.GcsServer} serves the {@code GcsService} gRPC contract ({@code
 * gcs.proto}); {@link dev.prism.runtime.gcs.GcsClient} is the blocking client that node managers
 * and drivers use.
 */
package dev.prism.runtime.gcs;
