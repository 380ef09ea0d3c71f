/**
 * The decision-making half of scheduling, as pure logic (no networking, no threads, no knowledge of
 * core): resources as fixed-point amounts ({@link dev.prism.scheduler.ResourceSet}), the cluster's
 * accounting of totals, availability, labels and per-GPU assignment ({@link
 * dev.prism.scheduler.ClusterResourceView}), GPU discovery through CUDA ({@link
 * dev.prism.scheduler.GpuDiscovery}), the placement policies ({@link
 * dev.prism.scheduler.SchedulingPolicy}: hybrid, spread, node affinity, data locality, labels) and
 * placement-group planning. Decisions are {@code Scheduled}, {@code Unavailable} (feasible, busy
 * now) or {@code Infeasible} (no node could ever fit the request), each with its reason. Invalid
 * amounts are refused with an {@link dev.prism.scheduler.InvalidResourceException} that names the
 * value.
 */
package dev.prism.scheduler;
