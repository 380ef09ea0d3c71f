package dev.prism.serve.internal;

import java.util.List;

/**
 * What a replica reports about itself.
 *
 * @param ongoing requests running now
 * @param handled requests finished so far
 * @param modelIds the multiplexed models it has loaded
 */
public record ReplicaStats(int ongoing, long handled, List<String> modelIds) {}
