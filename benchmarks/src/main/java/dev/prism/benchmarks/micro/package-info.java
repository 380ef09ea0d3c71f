/**
 * Prism's side of {@code ray microbenchmark} ({@link dev.prism.benchmarks.micro.Microbenchmark}:
 * the same metrics, call shapes and timing protocol as Ray's {@code ray_perf.py}), plus start-up,
 * actor creation and spilling measurements that the side-by-side comparison reports next to Ray's.
 */
package dev.prism.benchmarks.micro;
