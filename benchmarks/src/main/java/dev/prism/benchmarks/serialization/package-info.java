/**
 * JMH benchmarks of how values become bytes and back in-process: the core's serializer, the store's
 * Arrow IPC framing of payloads, and values that hold object refs (through the public API).
 */
package dev.prism.benchmarks.serialization;
