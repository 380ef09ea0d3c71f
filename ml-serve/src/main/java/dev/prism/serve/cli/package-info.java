/**
 * The {@code prism serve} command line: {@link dev.prism.serve.cli.ServeCommand} deploys a config
 * file's applications to a running cluster, shows Serve's status, and shuts Serve down.
 */
package dev.prism.serve.cli;
