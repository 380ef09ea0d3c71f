package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.ResourceAmounts;

/**
 * The options of one task submission, already validated.
 *
 * @param resources the resource demand in fixed point (CPU 1.0 is 10,000)
 * @param maxRetries how often the task is retried after its worker dies (and, when
 *     {@code retryExceptions}, after it throws)
 * @param retryExceptions whether application exceptions are retried too
 * @param name the task's display name, or null for the method's name
 */
public record TaskOptions(ResourceAmounts resources, int maxRetries, boolean retryExceptions,
    String name) {}
