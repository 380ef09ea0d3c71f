package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.ValueFormat;
import java.util.List;

/**
 * A ready object as its owner (or a borrower's cache) holds it: either its bytes inline, or the
 * node whose shared-memory store has it.
 *
 * @param format how to read the bytes
 * @param inline the serialized value, or null when it lives in a store
 * @param nodeId the node whose store holds it, or null when inline
 * @param size the value's size in bytes
 * @param contained refs nested in the value
 */
record StoredValue(
    ValueFormat format, byte[] inline, String nodeId, long size, List<ObjectRefProto> contained) {

  StoredValue {
    contained = List.copyOf(contained);
  }

  static StoredValue inline(ValueFormat format, byte[] bytes, List<ObjectRefProto> contained) {
    return new StoredValue(format, bytes, null, bytes.length, contained);
  }

  static StoredValue inStore(
      ValueFormat format, String nodeId, long size, List<ObjectRefProto> contained) {
    return new StoredValue(format, null, nodeId, size, contained);
  }

  boolean isInline() {
    return inline != null;
  }

  boolean isError() {
    return format == ValueFormat.ERROR;
  }

  static StoredValue fromProto(ReturnObject proto) {
    return proto.hasInlineValue()
        ? inline(
            proto.getFormat(), proto.getInlineValue().toByteArray(), proto.getContainedRefsList())
        : inStore(
            proto.getFormat(),
            proto.getStoredOnNode(),
            proto.getSize(),
            proto.getContainedRefsList());
  }

  ReturnObject toProto(byte[] objectId) {
    ReturnObject.Builder b =
        ReturnObject.newBuilder()
            .setObjectId(ByteString.copyFrom(objectId))
            .setSize(size)
            .setFormat(format)
            .addAllContainedRefs(contained);
    return isInline()
        ? b.setInlineValue(ByteString.copyFrom(inline)).build()
        : b.setStoredOnNode(nodeId).build();
  }
}
