/**
 * Search quality of ml-tune's searchers (TPE and random search) on standard test functions, side by
 * side with Optuna's samplers ({@code benchmarks/peers/optuna}).
 */
package dev.prism.benchmarks.tune;
