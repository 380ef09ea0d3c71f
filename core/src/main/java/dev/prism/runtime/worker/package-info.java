/**
 * The core worker: the runtime inside every Prism process, the driver's and each worker's. It owns
 * the objects the process creates (an in-process memory store for small values, the node's shared
 * store for large ones, and reference counts that include borrowers), submits tasks through leased
 * workers with pipelining and lease reuse, calls actors directly and in order per caller
 * (reconnecting after a restart), reads objects wherever they are, and, in a worker process ({@link
 * dev.prism.runtime.worker.WorkerMain}), executes the tasks pushed to it. Users reach it only
 * through the public API in {@code dev.prism}.
 */
package dev.prism.runtime.worker;
