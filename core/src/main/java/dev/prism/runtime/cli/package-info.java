/**
 * The command line behind the {@code prism} launcher: {@code prism start --head}, {@code prism
 * start --address HOST:PORT}, {@code prism status} and {@code prism stop} ({@link
 * dev.prism.runtime.cli.Cli}), the long-running node process they start ({@link
 * dev.prism.runtime.cli.NodeMain}) and the per-user session directory where those processes leave
 * their pids, addresses and logs ({@link dev.prism.runtime.cli.SessionDir}).
 */
package dev.prism.runtime.cli;
