package dev.prism.runtime.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The addresses of the host this process runs on, as its network stack sees them (in a network
 * namespace: the namespace's own). A process binds and advertises only such an address: a node's
 * {@code --host} or the one that routes to the head, and a driver's the address of the node it
 * joins through.
 */
public final class HostAddresses {

  private HostAddresses() {}

  /**
   * Every address of this host's network interfaces that are up, loopback included, as text ({@link
   * InetAddress#getHostAddress()}, without an IPv6 scope).
   *
   * @return the addresses, in the order the interfaces list them
   * @throws UncheckedIOException when the interfaces cannot be listed
   */
  public static Set<String> own() {
    Set<String> out = new LinkedHashSet<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp()) {
          continue;
        }
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          String text = a.getHostAddress();
          int scope = text.indexOf('%');
          out.add(scope < 0 ? text : text.substring(0, scope));
        }
      }
    } catch (SocketException e) {
      throw new UncheckedIOException("cannot list this host's network interfaces", e);
    }
    return out;
  }

  /**
   * Whether {@code host} (an address or a name) is one of this host's addresses.
   *
   * @param host the address or name
   * @return true when it resolves to an address of an interface of this host that is up
   */
  public static boolean isOwn(String host) {
    try {
      InetAddress a = InetAddress.getByName(host);
      return a.isLoopbackAddress() || own().contains(strip(a.getHostAddress()));
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /**
   * The local address this host uses to reach {@code host} (loopback for a loopback target), found
   * by routing a datagram socket to it (nothing is sent).
   *
   * @param host the remote address or name
   * @return the local address, or empty when no route tells one
   */
  public static Optional<String> routeTo(String host) {
    try {
      InetAddress target = InetAddress.getByName(host);
      if (target.isLoopbackAddress()) {
        return Optional.of("127.0.0.1");
      }
      try (DatagramSocket probe = new DatagramSocket()) {
        probe.connect(new InetSocketAddress(target, 9));
        InetAddress local = probe.getLocalAddress();
        if (local != null && !local.isAnyLocalAddress()) {
          return Optional.of(strip(local.getHostAddress()));
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static String strip(String text) {
    int scope = text.indexOf('%');
    return scope < 0 ? text : text.substring(0, scope);
  }
}
