/**
 * The object store measured on its own: put throughput of large objects next to a plain memory
 * copy, small-object create/seal and get/release rates, get latency (a server JVM and a separate
 * client JVM), and JMH benchmarks of the store's internals.
 */
package dev.prism.benchmarks.store;
