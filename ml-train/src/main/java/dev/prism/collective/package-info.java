/**
 * Collective communication between the processes of a Prism cluster: allreduce, broadcast,
 * allgather and barrier over a group of actors (or any processes), directly between them over TCP.
 * {@link dev.prism.collective.CollectiveGroup} forms a group by name; {@link
 * dev.prism.collective.Endpoint} forms one from addresses gathered by other means; {@link
 * dev.prism.collective.Communicator} runs the operations.
 */
package dev.prism.collective;
