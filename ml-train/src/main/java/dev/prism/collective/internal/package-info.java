/**
 * The collective library's machinery, not its API: the TCP ring's framed steps ({@code RingLinks}),
 * the shared-memory buffers of a one-host group ({@code SharedBuffers}), the reduction kernels and
 * the rendezvous actor. Public only so the API package and actors can reach them.
 */
package dev.prism.collective.internal;
