/** Streaming generators: values per second and time to the first value, beside Ray's. */
package dev.prism.benchmarks.generators;
