package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.store.ObjectId;

/** Conversions between ids and their wire forms. */
final class Ids {

  private Ids() {}

  static ObjectId objectId(ObjectRefProto proto) {
    return ObjectId.of(proto.getObjectId().toByteArray());
  }

  static ObjectRefProto toProto(ObjectRefImpl<?> ref) {
    return ObjectRefProto.newBuilder()
        .setObjectId(ByteString.copyFrom(ref.objectId().toBytes()))
        .setOwner(ref.owner())
        .build();
  }

  /** A task id: the submitting worker's id and its sequence number, 16 bytes. */
  static ByteString taskId(long worker, long seq) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (worker >>> (56 - 8 * i));
      b[8 + i] = (byte) (seq >>> (56 - 8 * i));
    }
    return ByteString.copyFrom(b);
  }
}
