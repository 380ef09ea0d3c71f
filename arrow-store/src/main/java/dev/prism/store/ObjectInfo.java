package dev.prism.store;

import java.time.Instant;

/**
 * A snapshot of one object-table entry, as {@link StoreClient#list()} and {@link
 * StoreServer#list()} report it.
 *
 * @param id the object id
 * @param size the object's size in bytes (the whole Arrow IPC stream)
 * @param state created or sealed
 * @param copy primary or secondary copy
 * @param pinCount how many gets currently hold the object (across all clients)
 * @param spilled whether the object currently lives only in its spill file
 * @param createdAt when the object was created
 * @param lastAccess when the object was last created, sealed or pinned
 */
public record ObjectInfo(
    ObjectId id,
    long size,
    ObjectState state,
    CopyKind copy,
    int pinCount,
    boolean spilled,
    Instant createdAt,
    Instant lastAccess) {}
