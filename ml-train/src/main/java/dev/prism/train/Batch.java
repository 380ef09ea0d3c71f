package dev.prism.train;

import java.nio.FloatBuffer;

/**
 * One batch of a rank's shard: {@code size} rows of features, contiguous in a direct buffer (ready
 * for {@code NDManager.create(features, new Shape(size, featureSize))}), and their labels. The
 * buffer is reused by the next batch (of any epoch): use it before asking for the next.
 *
 * @param features {@code size * featureSize} floats, row after row
 * @param labels {@code size} labels
 * @param size the number of rows
 * @param featureSize the number of features per row
 */
public record Batch(FloatBuffer features, int[] labels, int size, int featureSize) {}
