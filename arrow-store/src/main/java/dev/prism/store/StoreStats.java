package dev.prism.store;

/**
 * Counters of a store at one moment.
 *
 * @param capacity the size of the shared-memory file in bytes
 * @param usedBytes bytes allocated to objects in shared memory (including alignment)
 * @param objectCount objects in the table (created, sealed, in memory or spilled)
 * @param sealedCount sealed objects
 * @param pinnedCount objects pinned by at least one get
 * @param spilledCount objects that currently live only on disk
 * @param spilledBytes bytes of the objects that currently live only on disk
 * @param evictions secondary copies evicted since start
 * @param spills primary copies spilled to disk since start
 * @param restores spilled objects restored into memory since start
 * @param clients connected clients
 */
public record StoreStats(
    long capacity,
    long usedBytes,
    long objectCount,
    long sealedCount,
    long pinnedCount,
    long spilledCount,
    long spilledBytes,
    long evictions,
    long spills,
    long restores,
    int clients) {}
