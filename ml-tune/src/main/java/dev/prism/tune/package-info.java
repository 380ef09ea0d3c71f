/**
 * Hyperparameter sweeps on Prism, as Ray Tune: a {@link dev.prism.tune.Tuner} runs trials of a
 * trainable over a parameter space ({@link dev.prism.tune.search.Space}), asks a {@link
 * dev.prism.tune.search.Searcher} for their configurations and a {@link
 * dev.prism.tune.schedulers.TrialScheduler} whether each goes on, saves every result and the
 * experiment's state under its storage path, and resumes a sweep whose driver died.
 */
package dev.prism.tune;
