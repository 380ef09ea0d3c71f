/**
 * How Java values become bytes for the wire and the object store: {@link
 * dev.prism.runtime.serialization.ObjectSerializer} (Apache Fory, reference tracking on). Bytes are
 * accepted only from processes that presented the cluster token; Fory's deny list of known
 * deserialization gadgets stays on as a second line.
 */
package dev.prism.runtime.serialization;
