/**
 * The embedded local cluster that {@code Prism.init()} starts when no address is given: a GCS and a
 * node manager inside this JVM on loopback, with workers as child JVMs; more node managers can join
 * it to emulate a multi-node cluster on one machine.
 */
package dev.prism.runtime.cluster;
