/**
 * Parameter spaces and the searchers that pick configurations from them: random and grid search,
 * and a multivariate tree-structured Parzen estimator (TPE).
 */
package dev.prism.tune.search;
