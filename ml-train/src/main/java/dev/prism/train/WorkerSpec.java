package dev.prism.train;

import java.util.List;
import java.util.Map;

/**
 * What one training worker is told when its run starts (made by the trainer; public only because it
 * travels to the worker processes).
 *
 * @param runName the run's name
 * @param runDirectory the run's directory
 * @param rank the worker's rank
 * @param worldSize the number of ranks
 * @param localRank its rank on its node
 * @param localWorldSize the ranks on its node
 * @param nodeRank its node's index
 * @param addresses every rank's collective endpoint, by rank
 * @param timeoutMillis the limit of forming the group and of each collective operation
 * @param loop the training function
 * @param config the config map
 * @param datasets the data sets by name
 * @param resumeFrom the checkpoint directory to resume from, or null
 * @param firstReport the number of reports made before this attempt
 * @param useGpu whether the worker has a GPU of its own
 * @param seed the shuffling seed
 */
public record WorkerSpec(
    String runName,
    String runDirectory,
    int rank,
    int worldSize,
    int localRank,
    int localWorldSize,
    int nodeRank,
    List<String> addresses,
    long timeoutMillis,
    TrainLoop loop,
    Map<String, Object> config,
    Map<String, Dataset> datasets,
    String resumeFrom,
    int firstReport,
    boolean useGpu,
    long seed) {}
