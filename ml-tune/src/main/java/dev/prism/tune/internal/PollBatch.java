package dev.prism.tune.internal;

import java.util.List;
import java.util.Map;

/**
 * What a runner hands the driver on a poll: the results reported since the last poll, and whether
 * the attempt has ended (only once every result before the end was handed over).
 *
 * @param results the results, oldest first
 * @param finished whether the trainable has returned or thrown
 * @param error the error's stack trace when it threw, else empty
 */
public record PollBatch(List<Map<String, Object>> results, boolean finished, String error) {}
