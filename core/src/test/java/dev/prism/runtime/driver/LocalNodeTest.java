package dev.prism.runtime.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.PrismException;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeInfo;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A driver joining a cluster attaches to a node of its own host: its store's socket must be here
 * and its address one of this host's (hosts that share a file system see each other's sockets: the
 * case of the issue, a driver on a second host that bound the head's address).
 */
class LocalNodeTest {

  private static NodeInfo node(String id, String host, String socket, boolean alive) {
    return NodeInfo.newBuilder()
        .setNodeId(id)
        .setAddress(Address.newBuilder().setHost(host).setPort(4000))
        .setStoreSocket(socket)
        .setAlive(alive)
        .build();
  }

  /** A host with these addresses, these sockets, and this route to the head. */
  private static LocalNode.Host host(List<String> own, Set<String> sockets, String route) {
    return new LocalNode.Host() {
      @Override
      public boolean hasSocket(String path) {
        return sockets.contains(path);
      }

      @Override
      public boolean isOwn(String address) {
        return own.contains(address);
      }

      @Override
      public Optional<String> routeTo(String h) {
        return Optional.ofNullable(route);
      }

      @Override
      public List<String> addresses() {
        return List.copyOf(own);
      }
    };
  }

  private static final List<NodeInfo> TWO_HOSTS =
      List.of(node("head", "10.1.0.1", "/s/head", true), node("second", "10.1.0.2", "/s/b", true));

  @Test
  void aDriverOnTheSecondHostTakesItsOwnNodeThoughTheHeadsSocketIsVisible() {
    LocalNode.Choice c =
        LocalNode.choose(
            TWO_HOSTS,
            "10.1.0.1:6379",
            Optional.empty(),
            host(List.of("127.0.0.1", "10.1.0.2"), Set.of("/s/head", "/s/b"), "10.1.0.2"));
    assertThat(c.node().getNodeId()).isEqualTo("second");
    assertThat(c.note()).as("one node here: nothing to explain").isEmpty();
  }

  @Test
  void ofSeveralNodesHereTheOneAtTheAddressThatRoutesToTheHeadIsChosenAndSaysSo() {
    List<NodeInfo> nodes =
        List.of(
            node("a", "127.0.0.1", "/s/a", true),
            node("b", "10.1.0.2", "/s/b", true),
            node("c", "10.1.0.3", "/s/c", false));
    LocalNode.Choice c =
        LocalNode.choose(
            nodes,
            "10.1.0.1:6379",
            Optional.empty(),
            host(
                List.of("127.0.0.1", "10.1.0.2", "10.1.0.3"),
                Set.of("/s/a", "/s/b", "/s/c"),
                "10.1.0.2"));
    assertThat(c.node().getNodeId()).isEqualTo("b");
    assertThat(c.note().orElseThrow())
        .contains("2 nodes of the cluster run on this machine")
        .contains("joins through b at 10.1.0.2:4000")
        .contains("routes to the head")
        .contains("PRISM_NODE_IP")
        .doesNotContain("c at");
  }

  @Test
  void nodeIpChoosesAnotherAndAnAddressWithoutANodeHereIsAClearError() {
    LocalNode.Host both =
        host(List.of("127.0.0.1", "10.1.0.1", "10.1.0.2"), Set.of("/s/head", "/s/b"), "10.1.0.1");
    assertThat(
            LocalNode.choose(TWO_HOSTS, "10.1.0.1:6379", Optional.of("10.1.0.2"), both)
                .node()
                .getNodeId())
        .isEqualTo("second");
    assertThatThrownBy(
            () -> LocalNode.choose(TWO_HOSTS, "10.1.0.1:6379", Optional.of("10.1.0.9"), both))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("no node of the cluster at 10.1.0.1:6379 runs at 10.1.0.9")
        .hasMessageContaining("head at 10.1.0.1:4000")
        .hasMessageContaining("this machine's addresses: 127.0.0.1, 10.1.0.1, 10.1.0.2");
  }

  @Test
  void aHostWithoutANodeOfTheClusterIsToldToStartOne() {
    assertThatThrownBy(
            () ->
                LocalNode.choose(
                    TWO_HOSTS,
                    "10.1.0.1:6379",
                    Optional.empty(),
                    host(List.of("127.0.0.1", "10.1.0.3"), Set.of("/s/head", "/s/b"), "10.1.0.3")))
        .isInstanceOf(PrismException.class)
        .hasMessageContaining("none of them on this machine")
        .hasMessageContaining("start one here first")
        .hasMessageContaining("this machine's addresses: 127.0.0.1, 10.1.0.3");
  }
}
