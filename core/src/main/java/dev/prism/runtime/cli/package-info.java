/**
 * The command line behind the {@code prism} launcher ({@link dev.prism.runtime.cli.Cli}, on
 * picocli): {@code prism start --head}, {@code prism start --address HOST:PORT}, {@code prism
 * status}, {@code prism stop}, {@code prism job}, the state commands ({@code list}, {@code
 * summary}, {@code timeline}, {@code logs}) and {@code prism completion}; the long-running node
 * process they start ({@link dev.prism.runtime.cli.NodeMain}) and the per-user session directory
 * where those processes leave their pids, addresses and logs ({@link
 * dev.prism.runtime.cli.SessionDir}).
 */
package dev.prism.runtime.cli;
