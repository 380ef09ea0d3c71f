/**
 * Logging for Prism's own processes when the class path brings no SLF4J provider: instead of
 * SLF4J's "no providers" warnings in every worker and Prism's warnings dropped, a minimal provider
 * that writes warnings and errors to standard error (which the node keeps in the worker's log file
 * and forwards to the driver's console).
 */
package dev.prism.runtime.logging;
