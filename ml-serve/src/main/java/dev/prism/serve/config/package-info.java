/**
 * Serve config files, in the spirit of Ray Serve's: {@link dev.prism.serve.config.ServeYaml} reads
 * HTTP options and applications (each built from an import path, its deployments' options
 * overridden by name) and deploys them.
 */
package dev.prism.serve.config;
