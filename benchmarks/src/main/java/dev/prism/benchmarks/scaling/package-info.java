/**
 * How Prism scales with the size of the work ({@link
 * dev.prism.benchmarks.scaling.ScalingBenchmark}): tasks/s and driver memory as queued tasks grow,
 * put/get latency and bandwidth as objects grow, actor calls/s as actors grow; JSON results and PNG
 * charts, with Ray's series beside them when its run left them.
 */
package dev.prism.benchmarks.scaling;
