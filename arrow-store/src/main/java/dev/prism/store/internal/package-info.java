/**
 * The store's implementation, not part of its API: the server's object table and allocator ({@code
 * StoreCore}, {@code BlockAllocator}), the shared-memory mapping, spilling, the socket server and
 * its wire protocol, the client's channel, and the Arrow IPC framing of payloads. Other modules use
 * {@link dev.prism.store} only.
 */
package dev.prism.store.internal;
