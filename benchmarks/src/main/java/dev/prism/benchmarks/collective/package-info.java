/** Collective operations between worker processes (ml-train's dev.prism.collective). */
package dev.prism.benchmarks.collective;
