package dev.prism.serve.internal;

import dev.prism.ActorHandle;
import dev.prism.ActorLifetime;
import dev.prism.NodeInfo;
import dev.prism.Prism;
import dev.prism.SchedulingStrategy;
import dev.prism.serve.ProxyLocation;
import dev.prism.serve.ServeConfig;
import dev.prism.serve.ServeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's proxies: one on the head node or one per alive node, each a detached actor
 * pinned to its node; a proxy that stops answering is replaced.
 */
final class ProxyManager {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyManager.class);
  private static final long NODES_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final ServeConfig config;
  private final String headNode;
  private final Map<String, Proxy> proxies = new LinkedHashMap<>();
  private Map<String, String> wanted = Map.of();
  private long nodesCheckedAt;
  private boolean nodesChecked;
  private volatile boolean stopped;

  ProxyManager(ServeConfig config, String headNode) {
    this.config = config;
    this.headNode = headNode;
  }

  /** Starts, checks and stops proxies; called from the controller's loop, outside its lock. */
  void tick(RouteTable table) {
    if (stopped || config.proxyLocation() == ProxyLocation.DISABLED) {
      return;
    }
    long now = System.nanoTime();
    if (!nodesChecked || now - nodesCheckedAt >= NODES_EVERY_NANOS) {
      nodesChecked = true;
      nodesCheckedAt = now;
      wanted = wantedNodes();
    }
    synchronized (this) {
      for (Map.Entry<String, String> n : wanted.entrySet()) {
        Proxy p = proxies.get(n.getKey());
        if (p == null || p.failed != null) {
          if (p != null) {
            LOG.warn("serve proxy on node {} is replaced: {}", n.getKey(), p.failed);
            kill(p);
          }
          proxies.put(n.getKey(), start(n.getKey(), n.getValue()));
        } else if (p.url != null && !p.probing && now - p.checkedAt >= CHECK_EVERY_NANOS) {
          p.checkedAt = now;
          check(p);
        }
      }
      for (String node : new ArrayList<>(proxies.keySet())) {
        if (!wanted.containsKey(node)) {
          kill(proxies.remove(node));
        }
      }
    }
  }

  private Map<String, String> wantedNodes() {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      for (NodeInfo n : Prism.nodes()) {
        if (!n.alive()) {
          continue;
        }
        if (config.proxyLocation() == ProxyLocation.EVERY_NODE) {
          out.put(n.nodeId(), n.host());
        } else if (n.nodeId().equals(headNode)) {
          out.put(n.nodeId(), config.host());
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("could not list the nodes for proxies: {}", e.toString());
      return wanted;
    }
    return out;
  }

  private Proxy start(String nodeId, String host) {
    String name = "SERVE_PROXY::" + nodeId;
    ActorHandle<ProxyActor> actor =
        Prism.<ProxyActor>getActor(name, ServeClient.NAMESPACE)
            .orElseGet(
                () ->
                    Prism.actor(ProxyActor::new, config, host)
                        .setName(name)
                        .setNamespace(ServeClient.NAMESPACE)
                        .setLifetime(ActorLifetime.DETACHED)
                        .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(nodeId, false))
                        .setMaxConcurrency(16)
                        .remote());
    Proxy p = new Proxy(nodeId, actor);
    p.probing = true;
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                p.url = actor.task(ProxyActor::url).remote().get(Duration.ofSeconds(120));
              } catch (RuntimeException e) {
                p.failed = Errors.describe(e);
              } finally {
                p.probing = false;
                p.checkedAt = System.nanoTime();
              }
            });
    return p;
  }

  private void check(Proxy p) {
    p.probing = true;
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                p.actor.task(ProxyActor::url).remote().get(Duration.ofSeconds(10));
              } catch (RuntimeException e) {
                p.failed = Errors.describe(e);
              } finally {
                p.probing = false;
              }
            });
  }

  private static void kill(Proxy p) {
    try {
      Prism.kill(p.actor);
    } catch (RuntimeException e) {
      LOG.debug("could not kill proxy on {}: {}", p.nodeId, e.toString());
    }
  }

  synchronized List<ServeStatus.Proxy> status() {
    List<ServeStatus.Proxy> out = new ArrayList<>();
    for (Proxy p : proxies.values()) {
      String state = p.failed != null ? "UNHEALTHY" : p.url == null ? "STARTING" : "HEALTHY";
      out.add(new ServeStatus.Proxy(p.nodeId, p.url == null ? "" : p.url, state));
    }
    return out;
  }

  synchronized void stopAll() {
    stopped = true;
    wanted = Map.of();
    Map<String, Proxy> all = new HashMap<>(proxies);
    proxies.clear();
    all.values().forEach(ProxyManager::kill);
  }

  private static final class Proxy {
    final String nodeId;
    final ActorHandle<ProxyActor> actor;
    volatile String url;
    volatile String failed;
    volatile boolean probing;
    volatile long checkedAt;

    Proxy(String nodeId, ActorHandle<ProxyActor> actor) {
      this.nodeId = nodeId;
      this.actor = actor;
    }
  }
}
