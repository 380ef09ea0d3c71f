/**
 * JMH benchmarks of the gpu-scheduler library on simulated clusters: scheduling decisions per
 * second with the hybrid policy, and placement-group planning.
 */
package dev.prism.benchmarks.scheduler;
