/**
 * Runnable examples of Prism's public API: {@link dev.prism.examples.Tour} (the README's first
 * command: tasks, objects, actors and zero-copy Arrow data on an embedded cluster), {@link
 * dev.prism.examples.TwoNodes} (several nodes on one machine) and the small libraries of remote
 * functions and actors they call ({@link dev.prism.examples.Arrays}, {@link
 * dev.prism.examples.Actors}, {@link dev.prism.examples.Graphs}). They use only {@code dev.prism}.
 */
package dev.prism.examples;
