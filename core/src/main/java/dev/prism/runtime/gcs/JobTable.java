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
  private int next = 1;

  JobTable(InstantSource clock) {
    this.clock = clock;
  }

  synchronized Job register(Address driver) {
    Job job = new Job(next++, driver, clock.instant());
    jobs.put(job.id(), job);
    return job;
  }

  synchronized int size() {
    return jobs.size();
  }

  static ByteString encode(int jobId) {
    return ByteString.copyFrom(ByteBuffer.allocate(Integer.BYTES).putInt(jobId).array());
  }
}
