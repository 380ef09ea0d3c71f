package dev.prism.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects above 2 GiB in a sparse store: only a few pages are ever touched. */
class HugeObjectTest {

  @TempDir Path tmp;

  @Test
  void payloadLargerThanTwoGibRoundTripsAcrossClients() throws IOException {
    long size = (2L << 30) + 12345;
    try (StoreServer server = StoreTestSupport.server(tmp, 3L << 30);
        StoreClient writer = server.connect();
        StoreClient reader = server.connect()) {
      ObjectId id = ObjectId.random();
      try (PayloadWriter w = writer.createPayload(id, size, "big".getBytes())) {
        MemorySegment d = w.data();
        assertThat(d.byteSize()).isEqualTo(size);
        d.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122334455667788L);
        d.set(ValueLayout.JAVA_LONG_UNALIGNED, size - 8, 0x0102030405060708L);
        d.set(ValueLayout.JAVA_BYTE, 1L << 31, (byte) 99);
        w.seal();
      }
      try (Payload p = reader.getPayload(id, Duration.ofSeconds(5))) {
        assertThat(p.data().byteSize()).isEqualTo(size);
        assertThat(p.data().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1122334455667788L);
        assertThat(p.data().get(ValueLayout.JAVA_LONG_UNALIGNED, size - 8))
            .isEqualTo(0x0102030405060708L);
        assertThat(p.data().get(ValueLayout.JAVA_BYTE, 1L << 31)).isEqualTo((byte) 99);
        assertThat(p.metadata()).isEqualTo("big".getBytes());
      }
      assertThat(reader.list().getFirst().size()).isGreaterThan(size);
    }
    StoreTestSupport.assertNoShmLeak();
  }
}
