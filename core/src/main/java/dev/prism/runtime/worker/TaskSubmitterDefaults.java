package dev.prism.runtime.worker;

/**
 * Defaults of the task path, overridable with system properties for experiments (see {@link
 * WorkerTuning#defaults()}, which holds every knob).
 */
public final class TaskSubmitterDefaults {

  /** How many tasks a submitter pushes to one leased worker ahead of its replies. */
  public static final int PIPELINE_DEPTH = WorkerTuning.defaults().pipelineDepth();

  private TaskSubmitterDefaults() {}
}
