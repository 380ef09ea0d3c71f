/**
 * The boundary between the public API ({@code dev.prism}) and the runtime: the only runtime package
 * the API uses (a test holds it to that). {@link dev.prism.runtime.spi.PrismRuntime} is what the
 * API asks of the runtime and {@link dev.prism.runtime.spi.Runtimes} finds this process's; the
 * records carry requests and answers in plain values, so no protobuf or gRPC type, deadline or
 * status code reaches the API.
 */
package dev.prism.runtime.spi;
