package dev.prism.serve.internal;

/**
 * A replica's answer when it already runs its {@code maxOngoingRequests} (another router filled it)
 * or is draining: nothing ran, the router tries another replica.
 *
 * @param reason why
 */
public record Rejected(String reason) {}
