package dev.prism.serve.internal;

import java.util.List;

/**
 * One call of a deployment's method, as a router sends it to a replica.
 *
 * @param method the method's name
 * @param args its arguments
 * @param requestId the request's id
 * @param modelId the multiplexed model id, or empty
 */
public record Invocation(String method, List<Object> args, String requestId, String modelId) {}
