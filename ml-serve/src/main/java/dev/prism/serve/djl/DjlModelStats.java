package dev.prism.serve.djl;

/**
 * What one replica of a {@link DjlModelDeployment} serves and how its batches went: the answer to
 * {@code GET} on the deployment's route, and to {@link DjlModelDeployment#stats()} through a
 * handle.
 *
 * @param model the model's name
 * @param engine the engine
 * @param translator the translator's class name
 * @param inputType the translator's input type
 * @param outputType the translator's output type
 * @param replica the replica's id, empty outside Serve
 * @param maxBatchSize the largest batch now
 * @param maxWaitMillis the wait for a batch to fill now
 * @param batches the batches run so far
 * @param instances the instances predicted so far, over all batches
 * @param largestBatch the largest batch so far
 * @param meanBatchSize instances per batch, 0 before the first
 * @param failedInstances the instances whose prediction failed
 */
public record DjlModelStats(
    String model,
    String engine,
    String translator,
    String inputType,
    String outputType,
    String replica,
    int maxBatchSize,
    long maxWaitMillis,
    long batches,
    long instances,
    int largestBatch,
    double meanBatchSize,
    long failedInstances) {}
