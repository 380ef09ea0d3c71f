package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.LocalCluster;
import dev.prism.NodeOptions;
import dev.prism.Prism;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes: a proxy on every node, replicas spread, every proxy reaching every replica. */
@Timeout(300)
class ServeMultiNodeTest {

  private static NodeOptions node() {
    return NodeOptions.builder()
        .cpus(2)
        .objectStoreMemory(64L << 20)
        .workerHeap(192L << 20)
        .build();
  }

  @Test
  void everyNodeRunsAProxyThatServesTheApplication() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(node())) {
      cluster.addNode(node());
      Prism.init(cluster.address());
      try {
        Serve.start(ServeConfig.defaults().withPort(0).withProxyLocation(ProxyLocation.EVERY_NODE));
        Serve.run(
            Deployment.builder(Echo.class).numReplicas(2).resource("CPU", 2).build().bind("two"),
            "two",
            "/two");
        List<ServeStatus.Proxy> proxies = Serve.status().proxies();
        assertThat(proxies).hasSize(2).allMatch(p -> p.state().equals("HEALTHY"));
        assertThat(proxies.stream().map(ServeStatus.Proxy::nodeId).distinct()).hasSize(2);
        // 2 CPUs each on 2-CPU nodes: the two replicas are on different nodes.
        assertThat(
                Serve.status()
                    .applications()
                    .get("two")
                    .deployments()
                    .get("Echo")
                    .replicas()
                    .stream()
                    .map(ServeStatus.Replica::nodeId)
                    .distinct())
            .hasSize(2);
        for (ServeStatus.Proxy p : proxies) {
          Set<String> replicas = new HashSet<>();
          Awaitility.await("proxy " + p.url() + " reaches both replicas")
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> {
                    HttpResponse<String> r =
                        ServeFixture.HTTP.send(
                            HttpRequest.newBuilder(URI.create(p.url() + "/two"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    replicas.add(r.body().replaceAll(".*\"replica\":\"([^\"]*)\".*", "$1"));
                    return replicas.size() == 2;
                  });
        }
      } finally {
        try {
          Serve.shutdown();
        } finally {
          Prism.shutdown();
        }
      }
    }
  }
}
