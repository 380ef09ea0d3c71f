package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;

/** The job table: ids handed out in order (4 bytes, big-endian, from 1). Thread safe. */
final class JobTable {

  /** A registered job. */
  record Job(int id, Address driver, Instant started) {}

  private final InstantSource clock;
  private final Map<Integer, Job> jobs = new LinkedHashMap<>();
  private final Map<Integer, Instant> finished = new java.util.HashMap<>();
  private int next = 1;

  JobTable(InstantSource clock) {
    this.clock = clock;
  }

  synchronized Job register(Address driver) {
    Job job = new Job(next++, driver, clock.instant());
    jobs.put(job.id(), job);
    return job;
  }

  /** Marks a job finished; false if it was unknown or already finished. */
  synchronized boolean finish(int id) {
    return jobs.containsKey(id) && finished.putIfAbsent(id, clock.instant()) == null;
  }

  /** The jobs not finished yet. */
  synchronized java.util.List<Job> live() {
    return jobs.values().stream().filter(j -> !finished.containsKey(j.id())).toList();
  }

  /** Every job, in the order they registered. */
  synchronized java.util.List<Job> all() {
    return java.util.List.copyOf(jobs.values());
  }

  /** When a job finished, or null while it runs. */
  synchronized Instant finishedAt(int id) {
    return finished.get(id);
  }

  /** A job id's number, or -1 if the bytes are not a job id. */
  static int decode(ByteString jobId) {
    return jobId.size() == Integer.BYTES ? ByteBuffer.wrap(jobId.toByteArray()).getInt() : -1;
  }

  synchronized int size() {
    return jobs.size();
  }

  static ByteString encode(int jobId) {
    return ByteString.copyFrom(ByteBuffer.allocate(Integer.BYTES).putInt(jobId).array());
  }
}
