/**
 * Jobs: drivers that the head runs for a user. {@link dev.prism.runtime.job.JobManager} keeps the
 * uploaded files (content-addressed, in a {@link dev.prism.runtime.job.FileStore}), starts each
 * job's driver as a supervised child process of the head with the job's jars on its class path,
 * keeps its output in a log file and its status in memory. {@code JobService} ({@code job.proto})
 * serves it on the GCS's port; {@link dev.prism.runtime.job.JobClient} is its client (the {@code
 * prism job} commands, and node managers that fetch a job's jars for its workers).
 */
package dev.prism.runtime.job;
