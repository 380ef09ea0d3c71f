package dev.prism.runtime.worker;

import dev.prism.runtime.job.JobManager;
import java.util.List;

/**
 * This process's job environment: the jars of the job it belongs to ({@value
 * JobManager#ENV_JOB_JARS}, set by the head for a job's driver and by node managers for the job's
 * workers). Its lease requests and actors carry it, so that its tasks and actors run only on
 * workers that load classes from those jars; empty for a process that belongs to no submitted job.
 */
final class JobEnvironment {

  /** The jars' sha-256 hashes, in class path order; empty for none. */
  static final List<String> JARS = parse(System.getenv(JobManager.ENV_JOB_JARS));

  private JobEnvironment() {}

  static List<String> parse(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return List.of(value.strip().split(","));
  }
}
