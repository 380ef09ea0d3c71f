/**
 * The tuner's machinery, public only because worker processes reach it by reflection: the runner
 * actor that runs trials and the messages between it and the driver. Not an API: it may change with
 * any release.
 */
package dev.prism.tune.internal;
