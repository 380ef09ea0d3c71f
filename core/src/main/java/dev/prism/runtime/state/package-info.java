/**
 * The cluster's state as rows, for people and programs: nodes, jobs, actors, tasks (from task
 * events), placement groups, workers and objects, with filters, limits and summaries, and a
 * Chrome-trace timeline of task execution.
 *
 * <p>{@link dev.prism.runtime.state.ClusterState} asks the GCS (and each node manager, for workers
 * and objects) and returns immutable {@link dev.prism.runtime.state.StateRow} records; {@link
 * dev.prism.runtime.state.StateJson} turns rows into JSON (Jackson) and {@link
 * dev.prism.runtime.state.StateTable} into an aligned text table. Nothing here knows of the command
 * line: {@code prism list}, {@code prism summary} and {@code prism timeline} use it, and so can an
 * HTTP dashboard.
 */
package dev.prism.runtime.state;
