package dev.prism;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.security.TokenAuth;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Every connection the wire fuzzer opens is made here, so credentials a cluster may require (a
 * token on every RPC, a handshake on raw sockets) are added in one place.
 */
final class FuzzWire {

  private FuzzWire() {}

  /** A gRPC channel to {@code host:port} that accepts replies of any size. */
  static ManagedChannel grpc(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return NettyChannelBuilder.forAddress(
            hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)))
        .usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .intercept(TokenAuth.clientInterceptor(ClusterToken.processDefault()))
        .build();
  }

  /** A raw TCP connection (blocking), for bytes that are not gRPC calls. */
  static SocketChannel tcp(String host, int port) throws IOException {
    SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
    ch.socket().setSoTimeout(0);
    return ch;
  }

  /** A raw connection to a Unix domain socket (the object store's). */
  static SocketChannel unix(Path socket) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    return ch;
  }
}
