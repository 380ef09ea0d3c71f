package dev.prism.runtime.job;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.DownloadFileRequest;
import dev.prism.runtime.rpc.FileChunk;
import dev.prism.runtime.rpc.GetJobReply;
import dev.prism.runtime.rpc.GetJobRequest;
import dev.prism.runtime.rpc.HasFileReply;
import dev.prism.runtime.rpc.HasFileRequest;
import dev.prism.runtime.rpc.JobLogsChunk;
import dev.prism.runtime.rpc.JobLogsRequest;
import dev.prism.runtime.rpc.JobServiceGrpc;
import dev.prism.runtime.rpc.JobStatusProto;
import dev.prism.runtime.rpc.ListSubmittedJobsReply;
import dev.prism.runtime.rpc.ListSubmittedJobsRequest;
import dev.prism.runtime.rpc.StopJobReply;
import dev.prism.runtime.rpc.StopJobRequest;
import dev.prism.runtime.rpc.SubmitJobReply;
import dev.prism.runtime.rpc.SubmitJobRequest;
import dev.prism.runtime.rpc.UploadFileChunk;
import dev.prism.runtime.rpc.UploadFileReply;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code JobService} ({@code job.proto}) over a {@link JobManager}: each call is one of its
 * methods; a {@link JobException} becomes a status whose description is its message. Streams
 * (uploads, downloads, followed logs) move in chunks of {@value #CHUNK} bytes.
 */
public final class JobServiceImpl extends JobServiceGrpc.JobServiceImplBase {

  static final int CHUNK = 1 << 20;
  private static final long FOLLOW_POLL_MILLIS = 100;

  private final JobManager jobs;

  /**
   * Serves a manager.
   *
   * @param jobs the manager
   */
  public JobServiceImpl(JobManager jobs) {
    this.jobs = jobs;
  }

  static Status statusOf(RuntimeException e) {
    if (e instanceof JobException j) {
      Status s =
          switch (j.kind()) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case INVALID -> Status.INVALID_ARGUMENT;
            case TOO_LARGE -> Status.FAILED_PRECONDITION;
            case FAILED -> Status.INTERNAL;
          };
      return s.withDescription(j.getMessage());
    }
    return Status.INTERNAL.withDescription(String.valueOf(e));
  }

  private static <T> void answer(StreamObserver<T> reply, Supplier<T> body) {
    T value;
    try {
      value = body.get();
    } catch (RuntimeException e) {
      reply.onError(statusOf(e).asRuntimeException());
      return;
    }
    reply.onNext(value);
    reply.onCompleted();
  }

  static JobStatusProto toProto(JobStatus s) {
    JobStatusProto.Builder b =
        JobStatusProto.newBuilder()
            .setSubmissionId(s.submissionId())
            .setState(s.state().name())
            .setMainClass(s.mainClass())
            .addAllArgs(s.args())
            .addAllJars(s.jars())
            .setStartTimeMs(s.startTime().map(Instant::toEpochMilli).orElse(0L))
            .setEndTimeMs(s.endTime().map(Instant::toEpochMilli).orElse(0L))
            .setMessage(s.message())
            .setDriverPid(s.driverPid());
    s.exitCode().ifPresent(c -> b.setHasExitCode(true).setExitCode(c));
    return b.build();
  }

  @Override
  public StreamObserver<UploadFileChunk> uploadFile(StreamObserver<UploadFileReply> reply) {
    return new StreamObserver<>() {
      private FileStore.Upload upload;
      private String hash;
      private boolean failed;

      @Override
      public void onNext(UploadFileChunk chunk) {
        if (failed) {
          return;
        }
        try {
          if (upload == null) {
            hash = chunk.getSha256();
            upload = jobs.files().begin(hash, chunk.getSize());
          }
          ByteString data = chunk.getData();
          byte[] bytes = data.toByteArray();
          upload.write(bytes, 0, bytes.length);
        } catch (RuntimeException e) {
          failed = true;
          if (upload != null) {
            upload.abort();
          }
          reply.onError(statusOf(e).asRuntimeException());
        }
      }

      @Override
      public void onError(Throwable t) {
        if (upload != null) {
          upload.abort();
        }
      }

      @Override
      public void onCompleted() {
        if (failed) {
          return;
        }
        if (upload == null) {
          reply.onError(
              Status.INVALID_ARGUMENT
                  .withDescription("an upload needs at least one chunk")
                  .asRuntimeException());
          return;
        }
        answer(
            reply,
            () ->
                UploadFileReply.newBuilder()
                    .setSha256(hash)
                    .setAlreadyPresent(upload.finish())
                    .build());
      }
    };
  }

  @Override
  public void hasFile(HasFileRequest request, StreamObserver<HasFileReply> reply) {
    answer(
        reply,
        () -> {
          Optional<Path> p = jobs.files().path(request.getSha256());
          long size = 0;
          if (p.isPresent()) {
            try {
              size = Files.size(p.get());
            } catch (IOException e) {
              p = Optional.empty();
            }
          }
          return HasFileReply.newBuilder().setPresent(p.isPresent()).setSize(size).build();
        });
  }

  @Override
  public void downloadFile(DownloadFileRequest request, StreamObserver<FileChunk> reply) {
    Path file;
    try {
      file =
          jobs.files()
              .path(request.getSha256())
              .orElseThrow(
                  () ->
                      new JobException(
                          JobException.Kind.NOT_FOUND,
                          "the head has no file " + request.getSha256()));
    } catch (RuntimeException e) {
      reply.onError(statusOf(e).asRuntimeException());
      return;
    }
    ServerCallStreamObserver<FileChunk> call = (ServerCallStreamObserver<FileChunk>) reply;
    Thread.ofVirtual()
        .name("prism-job-download")
        .start(
            () -> {
              try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.readNBytes(buf, 0, CHUNK)) > 0) {
                  while (!call.isReady() && !call.isCancelled()) {
                    Thread.sleep(2);
                  }
                  if (call.isCancelled()) {
                    return;
                  }
                  reply.onNext(
                      FileChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
                }
                reply.onCompleted();
              } catch (IOException | RuntimeException e) {
                reply.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  @Override
  public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobReply> reply) {
    answer(
        reply,
        () ->
            SubmitJobReply.newBuilder()
                .setJob(
                    toProto(
                        jobs.submit(
                            new JobManager.SubmitRequest(
                                request.getMainClass(),
                                request.getArgsList(),
                                request.getJarsList(),
                                request.getEnvMap(),
                                Optional.of(request.getSubmissionId())))))
                .build());
  }

  @Override
  public void getJob(GetJobRequest request, StreamObserver<GetJobReply> reply) {
    answer(
        reply,
        () ->
            GetJobReply.newBuilder()
                .setJob(toProto(jobs.status(request.getSubmissionId())))
                .build());
  }

  @Override
  public void listJobs(
      ListSubmittedJobsRequest request, StreamObserver<ListSubmittedJobsReply> reply) {
    answer(
        reply,
        () ->
            ListSubmittedJobsReply.newBuilder()
                .addAllJobs(jobs.list().stream().map(JobServiceImpl::toProto).toList())
                .build());
  }

  @Override
  public void stopJob(StopJobRequest request, StreamObserver<StopJobReply> reply) {
    answer(
        reply,
        () -> {
          Duration grace =
              request.getGraceMs() > 0 ? Duration.ofMillis(request.getGraceMs()) : null;
          boolean stopped = jobs.stop(request.getSubmissionId(), grace);
          return StopJobReply.newBuilder()
              .setStopped(stopped)
              .setJob(toProto(jobs.status(request.getSubmissionId())))
              .build();
        });
  }

  @Override
  public void jobLogs(JobLogsRequest request, StreamObserver<JobLogsChunk> reply) {
    String id = request.getSubmissionId();
    try {
      jobs.status(id);
    } catch (RuntimeException e) {
      reply.onError(statusOf(e).asRuntimeException());
      return;
    }
    ServerCallStreamObserver<JobLogsChunk> call = (ServerCallStreamObserver<JobLogsChunk>) reply;
    Thread.ofVirtual()
        .name("prism-job-logs-" + id)
        .start(
            () -> {
              long offset = request.getOffset();
              try {
                while (!call.isCancelled()) {
                  JobManager.LogChunk c = jobs.logs(id, offset, CHUNK);
                  offset = c.nextOffset();
                  boolean last = c.ended() || (!request.getFollow() && c.data().length < CHUNK);
                  if (c.data().length > 0 || last) {
                    JobLogsChunk.Builder b =
                        JobLogsChunk.newBuilder()
                            .setData(ByteString.copyFrom(c.data()))
                            .setNextOffset(offset)
                            .setEnded(c.ended());
                    if (last) {
                      b.setJob(toProto(jobs.status(id)));
                    }
                    reply.onNext(b.build());
                  }
                  if (last) {
                    reply.onCompleted();
                    return;
                  }
                  if (c.data().length == 0) {
                    Thread.sleep(FOLLOW_POLL_MILLIS);
                  }
                }
              } catch (RuntimeException e) {
                reply.onError(statusOf(e).asRuntimeException());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }
}
