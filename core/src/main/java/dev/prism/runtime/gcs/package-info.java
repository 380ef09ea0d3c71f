/**
 * The global control store (GCS): the cluster tables (nodes with liveness, jobs, a namespaced
 * key-value store) and the cluster resource view that node managers feed with their reports.
 *
 * <p>{@link dev.prism.runtime.gcs.GcsServer} serves the {@code GcsService} gRPC contract
 * ({@code gcs.proto}); {@link dev.prism.runtime.gcs.GcsClient} is the blocking client that node
 * managers and drivers use.
 */
package dev.prism.runtime.gcs;
