/** Training throughput: ml-train on DJL, side by side with Ray Train and a plain DJL process. */
package dev.prism.benchmarks.train;
