/** ml-serve under HTTP load: the Prism side of {@code benchmarks/peers/ray/compare_serve.sh}. */
package dev.prism.benchmarks.serve;
