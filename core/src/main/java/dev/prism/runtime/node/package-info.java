/**
 * The node manager: one per node. It owns the node's object store (an arrow-store {@code
 * StoreServer}), runs the pool of worker JVMs, decides worker leases with gpu-scheduler (grant,
 * queue, spill back, infeasible), and reports the node's resources to the GCS, with the resource
 * shapes it answered infeasible lately (what {@code prism status} lists). When the GCS says a
 * driver or a worker of another node died, it ends the leases that process held here and, for a
 * driver, deletes the objects it owned from the store.
 *
 * <p>Start one with {@link dev.prism.runtime.node.NodeManager#start} and a {@link
 * dev.prism.runtime.node.NodeConfig}; the worker launch contract is documented on {@link
 * dev.prism.runtime.node.NodeManager}.
 */
package dev.prism.runtime.node;
