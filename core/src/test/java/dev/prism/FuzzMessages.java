package dev.prism;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Protocol-valid but nonsensical requests for the wire fuzzer: random messages built from a
 * method's input descriptor (unknown ids, negative and extreme numbers, empty and huge strings,
 * long repeated fields), sent as raw bytes through a generic call with a deadline.
 */
final class FuzzMessages {

  private FuzzMessages() {}

  /** One RPC of a service: its gRPC descriptor and its request type. */
  record Rpc(MethodDescriptor<?, ?> grpc, Descriptors.MethodDescriptor proto) {
    String name() {
      return grpc.getFullMethodName();
    }

    Descriptor input() {
      return proto.getInputType();
    }
  }

  /** What a call came to: OK, or the status code it failed with, and replies' bytes. */
  record Outcome(Status.Code code, String description, List<byte[]> replies) {
    boolean ok() {
      return code == Status.Code.OK;
    }

    @Override
    public String toString() {
      return code + (description == null ? "" : " (" + description + ")");
    }
  }

  /** Every RPC of a generated service. */
  static List<Rpc> rpcs(ServiceDescriptor service) {
    List<Rpc> out = new ArrayList<>();
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      Descriptors.MethodDescriptor proto =
          ((ProtoMethodDescriptorSupplier) m.getSchemaDescriptor()).getMethodDescriptor();
      out.add(new Rpc(m, proto));
    }
    return out;
  }

  // --- random messages ---

  /** Ids the fuzzer may use now and then in bytes fields named like ids (not destructive). */
  static final class Hints {
    final List<ByteString> objectIds = new ArrayList<>();
  }

  static DynamicMessage random(Descriptor type, Random r, Hints hints) {
    return random(type, r, hints, 0, false);
  }

  /**
   * A random message; {@code small} inside a long repeated field, so that a message stays around a
   * few MiB at most (oversized ones are sent on purpose elsewhere).
   */
  private static DynamicMessage random(
      Descriptor type, Random r, Hints hints, int depth, boolean small) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      if (r.nextInt(4) == 0) {
        continue; // left at its default
      }
      if (f.isRepeated()) {
        int n =
            switch (r.nextInt(10)) {
              case 0 -> depth == 0 && !small ? 2_000 + r.nextInt(2_000) : 3;
              case 1, 2 -> 0;
              default -> 1 + r.nextInt(3);
            };
        for (int i = 0; i < n; i++) {
          Object v = value(f, r, hints, depth, small || n > 100);
          if (v != null) {
            b.addRepeatedField(f, v);
          }
        }
      } else {
        Object v = value(f, r, hints, depth, small);
        if (v != null) {
          b.setField(f, v);
        }
      }
    }
    return b.build();
  }

  private static Object value(FieldDescriptor f, Random r, Hints hints, int depth, boolean small) {
    String name = f.getName();
    boolean waits = name.contains("timeout") || name.contains("wait");
    return switch (f.getJavaType()) {
      case INT -> waits ? 1 + r.nextInt(300) : pickInt(r);
      case LONG -> waits ? 1 + r.nextInt(300) : pickLong(r);
      case FLOAT -> (float) pickDouble(r);
      case DOUBLE -> pickDouble(r);
      case BOOLEAN -> r.nextBoolean();
      case STRING -> small ? hex(r, 8) : pickString(r);
      case BYTE_STRING -> small ? ByteString.copyFrom(bytes(r, 20)) : pickBytes(r, name, hints);
      case ENUM -> {
        List<Descriptors.EnumValueDescriptor> values = f.getEnumType().getValues();
        yield values.get(r.nextInt(values.size()));
      }
      case MESSAGE -> depth < 3 ? random(f.getMessageType(), r, hints, depth + 1, small) : null;
    };
  }

  private static int pickInt(Random r) {
    return switch (r.nextInt(7)) {
      case 0 -> 0;
      case 1 -> -1;
      case 2 -> Integer.MAX_VALUE;
      case 3 -> Integer.MIN_VALUE;
      case 4 -> 1;
      default -> r.nextInt();
    };
  }

  private static long pickLong(Random r) {
    return switch (r.nextInt(7)) {
      case 0 -> 0L;
      case 1 -> -1L;
      case 2 -> Long.MAX_VALUE;
      case 3 -> Long.MIN_VALUE;
      case 4 -> 1L << 40;
      default -> r.nextLong();
    };
  }

  private static double pickDouble(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> Double.NaN;
      case 1 -> Double.POSITIVE_INFINITY;
      case 2 -> -1.0;
      case 3 -> 0.0;
      case 4 -> 1e300;
      default -> r.nextDouble() * 4;
    };
  }

  private static String pickString(Random r) {
    return switch (r.nextInt(7)) {
      case 0 -> "";
      case 1 -> "x".repeat(70_000);
      case 2 -> "\u0000\uffff\ud83d\ude00 ../../etc/passwd";
      case 3 -> hex(r, 16);
      case 4 -> hex(r, 20);
      case 5 -> "127.0.0.1:" + r.nextInt(70_000);
      default -> new String(bytes(r, 1 + r.nextInt(40)), StandardCharsets.ISO_8859_1);
    };
  }

  private static ByteString pickBytes(Random r, String name, Hints hints) {
    if (name.contains("object") && !hints.objectIds.isEmpty() && r.nextInt(3) == 0) {
      return hints.objectIds.get(r.nextInt(hints.objectIds.size()));
    }
    return switch (r.nextInt(7)) {
      case 0 -> ByteString.EMPTY;
      case 1 -> ByteString.copyFrom(bytes(r, 1));
      case 2 -> ByteString.copyFrom(bytes(r, 16));
      case 3 -> ByteString.copyFrom(bytes(r, 20));
      case 4 -> ByteString.copyFrom(bytes(r, 28));
      case 5 -> ByteString.copyFrom(bytes(r, 300_000));
      default -> ByteString.copyFrom(bytes(r, r.nextInt(64)));
    };
  }

  static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static String hex(Random r, int bytes) {
    return java.util.HexFormat.of().formatHex(bytes(r, bytes));
  }

  // --- generic calls ---

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> m) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(m.getType())
        .setFullMethodName(m.getFullMethodName())
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  /**
   * Sends {@code requests} (several only on a client-streaming method) and collects the replies
   * until the call ends or the deadline passes (a DEADLINE_EXCEEDED outcome).
   */
  static Outcome call(
      Channel channel, MethodDescriptor<?, ?> method, List<byte[]> requests, Duration deadline) {
    MethodDescriptor<byte[], byte[]> m = raw(method);
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    List<byte[]> replies = new ArrayList<>();
    try {
      switch (m.getType()) {
        case UNARY ->
            replies.add(ClientCalls.blockingUnaryCall(channel, m, options, requests.get(0)));
        case SERVER_STREAMING -> {
          Iterator<byte[]> it =
              ClientCalls.blockingServerStreamingCall(channel, m, options, requests.get(0));
          while (it.hasNext()) {
            replies.add(it.next());
          }
        }
        default -> {
          CountDownLatch done = new CountDownLatch(1);
          AtomicReference<Throwable> error = new AtomicReference<>();
          ClientCall<byte[], byte[]> call = channel.newCall(m, options);
          StreamObserver<byte[]> out =
              ClientCalls.asyncBidiStreamingCall(
                  call,
                  new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                      synchronized (replies) {
                        replies.add(value);
                      }
                    }

                    @Override
                    public void onError(Throwable t) {
                      error.set(t);
                      done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                      done.countDown();
                    }
                  });
          for (byte[] request : requests) {
            out.onNext(request);
          }
          out.onCompleted();
          if (!done.await(deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
            call.cancel("the fuzzer's wait ended", null);
            return new Outcome(Status.Code.DEADLINE_EXCEEDED, "no end of stream", replies);
          }
          if (error.get() != null) {
            Status s = Status.fromThrowable(error.get());
            return new Outcome(s.getCode(), s.getDescription(), replies);
          }
        }
      }
      return new Outcome(Status.Code.OK, null, replies);
    } catch (StatusRuntimeException e) {
      return new Outcome(e.getStatus().getCode(), e.getStatus().getDescription(), replies);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
