/**
 * Trial schedulers: first in first out, asynchronous successive halving (ASHA), HyperBand, median
 * stopping and population-based training.
 */
package dev.prism.tune.schedulers;
