package dev.prism.serve;

/** Where the HTTP proxies run (Ray Serve's {@code proxy_location}). */
public enum ProxyLocation {
  /** One proxy, on the node of the controller (the node of the driver that started Serve). */
  HEAD_ONLY,
  /** One proxy on every alive node, each on the node's own address. */
  EVERY_NODE,
  /** No HTTP proxy: deployments are reached through handles only. */
  DISABLED
}
