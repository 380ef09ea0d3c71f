/**
 * How Prism processes talk gRPC: {@link dev.prism.runtime.net.Rpc} builds every channel and server
 * with the same settings (the cluster token, message limits, error descriptions a client can read),
 * so no process talks to another with settings of its own.
 */
package dev.prism.runtime.net;
