/**
 * Object transfer between nodes ({@link dev.prism.benchmarks.transfer.TransferBenchmark}): pull
 * throughput of a 1 GiB object between node managers, against a plain TCP copy measured in the same
 * run.
 */
package dev.prism.benchmarks.transfer;
