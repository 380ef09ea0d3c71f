/**
 * The runtime behind the public API's boundary ({@link dev.prism.runtime.spi.PrismRuntime}): starts
 * or joins a cluster for a driver, and turns the API's requests into core-worker calls and GCS
 * requests (wire forms, deadlines and status codes stay here).
 */
package dev.prism.runtime.driver;
