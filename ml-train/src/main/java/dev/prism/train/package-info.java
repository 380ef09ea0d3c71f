/**
 * Data-parallel training of DJL models across Prism workers, as Ray Train: a {@link
 * dev.prism.train.DataParallelTrainer} runs a {@link dev.prism.train.TrainLoop} on a gang of worker
 * actors (one placement-group bundle each) that average their gradients with an allreduce every
 * step ({@link dev.prism.collective}), read their shards of an Arrow {@link
 * dev.prism.train.Dataset} from the object store, report metrics and checkpoints through {@link
 * dev.prism.train.TrainContext}, and restart from the latest checkpoint when a worker dies.
 */
package dev.prism.train;
