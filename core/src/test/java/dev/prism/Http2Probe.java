package dev.prism;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Hand-made HTTP/2 bytes for the wire fuzzer: a gRPC request whose frames the client library would
 * never send (a message length prefix beyond any limit, truncated frames), and a reader that says
 * how the server reacted.
 */
final class Http2Probe {

  static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int GOAWAY = 0x7;

  private Http2Probe() {}

  /** One frame: 24-bit length, type, flags, stream id, payload. */
  static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
    b.put((byte) (payload.length >>> 16))
        .put((byte) (payload.length >>> 8))
        .put((byte) payload.length)
        .put((byte) type)
        .put((byte) flags)
        .putInt(stream)
        .put(payload);
    return b.array();
  }

  /** The preface, empty SETTINGS and the HEADERS of a gRPC call to {@code path} on stream 1. */
  static byte[] openCall(String path) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    header(block, ":method", "POST");
    header(block, ":scheme", "http");
    header(block, ":path", path);
    header(block, ":authority", "localhost");
    header(block, "content-type", "application/grpc");
    header(block, "te", "trailers");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(PREFACE);
    out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
    out.writeBytes(frame(HEADERS, 0x4, 1, block.toByteArray()));
    return out.toByteArray();
  }

  /** A DATA frame on stream 1 holding a gRPC message prefix that claims {@code length} bytes. */
  static byte[] messagePrefix(int length, byte[] some) {
    ByteBuffer b = ByteBuffer.allocate(5 + some.length).put((byte) 0).putInt(length).put(some);
    return frame(DATA, 0, 1, b.array());
  }

  /** An HPACK literal header field without indexing, new name, no Huffman coding. */
  private static void header(ByteArrayOutputStream out, String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    byte[] v = value.getBytes(StandardCharsets.US_ASCII);
    out.write(0);
    out.write(n.length);
    out.writeBytes(n);
    out.write(v.length);
    out.writeBytes(v);
  }

  /**
   * Reads the server's frames until it ends stream 1 (RST_STREAM or a HEADERS frame: the trailers
   * of a failed call), sends GOAWAY, or closes the connection.
   *
   * @return what ended the wait ("rst", "headers", "goaway", "closed"), or "silent" if nothing did
   *     within {@code wait}
   */
  static String reaction(SocketChannel ch, Duration wait) throws IOException {
    ch.configureBlocking(false);
    long deadline = System.nanoTime() + wait.toNanos();
    ByteBuffer in = ByteBuffer.allocate(1 << 20);
    try (Selector selector = Selector.open()) {
      ch.register(selector, SelectionKey.OP_READ);
      while (System.nanoTime() < deadline) {
        selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        selector.selectedKeys().clear();
        int n;
        try {
          n = ch.read(in);
        } catch (IOException e) {
          return "closed";
        }
        if (n < 0) {
          return "closed";
        }
        in.flip();
        while (in.remaining() >= 9) {
          int len =
              ((in.get(in.position()) & 0xff) << 16)
                  | ((in.get(in.position() + 1) & 0xff) << 8)
                  | (in.get(in.position() + 2) & 0xff);
          int type = in.get(in.position() + 3);
          int stream = in.getInt(in.position() + 5) & 0x7fffffff;
          if (in.remaining() < 9 + len) {
            break;
          }
          in.position(in.position() + 9 + len);
          if (type == GOAWAY) {
            return "goaway";
          }
          if (stream == 1 && type == RST_STREAM) {
            return "rst";
          }
          if (stream == 1 && type == HEADERS) {
            return "headers";
          }
        }
        in.compact();
      }
      return "silent";
    }
  }
}
