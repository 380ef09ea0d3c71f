package dev.prism.serve.cli;

import dev.prism.serve.ServeStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code prism serve status} prints: the proxies, the applications (with their URLs), the
 * deployments (replicas running / target) and the replicas, as aligned tables. A pure function of
 * the status, tested without a cluster.
 */
final class StatusText {

  private StatusText() {}

  /**
   * Renders the status.
   *
   * @param address the cluster's address
   * @param s the status
   * @return the text, ending with a newline
   */
  static String render(String address, ServeStatus s) {
    StringBuilder out = new StringBuilder();
    out.append("Serve on the Prism cluster at ").append(address).append("\n\n");
    String base = baseUrl(s);

    out.append("Proxies: ").append(s.proxies().size()).append('\n');
    Table proxies = new Table("NODE", "URL", "STATE");
    s.proxies().forEach(p -> proxies.row(p.nodeId(), dash(p.url()), p.state()));
    proxies.appendTo(out);

    out.append("\nApplications: ").append(s.applications().size()).append('\n');
    Table apps = new Table("APPLICATION", "ROUTE PREFIX", "STATUS", "URL", "MESSAGE");
    s.applications()
        .values()
        .forEach(
            a ->
                apps.row(
                    a.name(),
                    dash(a.routePrefix()),
                    a.status(),
                    url(base, a.routePrefix()),
                    oneLine(a.message())));
    apps.appendTo(out);

    out.append("\nDeployments:\n");
    Table deployments =
        new Table("APPLICATION", "DEPLOYMENT", "STATUS", "REPLICAS (running / target)", "MESSAGE");
    Table replicas = new Table("APPLICATION", "DEPLOYMENT", "REPLICA", "STATE", "NODE", "VERSION");
    for (ServeStatus.App a : s.applications().values()) {
      for (ServeStatus.DeploymentStatus d : a.deployments().values()) {
        deployments.row(
            a.name(),
            d.name(),
            d.status(),
            d.running() + " / " + d.targetReplicas(),
            oneLine(d.message()));
        for (ServeStatus.Replica r : d.replicas()) {
          replicas.row(a.name(), d.name(), r.id(), r.state(), dash(r.nodeId()), r.version());
        }
      }
    }
    deployments.appendTo(out);
    out.append("\nReplicas:\n");
    replicas.appendTo(out);
    return out.toString();
  }

  /** The base URL of the first healthy proxy, or null. */
  static String baseUrl(ServeStatus s) {
    return s.proxies().stream()
        .filter(p -> p.state().equals("HEALTHY") && !p.url().isEmpty())
        .map(ServeStatus.Proxy::url)
        .findFirst()
        .orElse(null);
  }

  /** An application's URL: the proxy's base and its route prefix; "-" without either. */
  static String url(String base, String routePrefix) {
    if (base == null || routePrefix == null || routePrefix.isEmpty()) {
      return "-";
    }
    return base + (routePrefix.equals("/") ? "/" : routePrefix);
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  private static String oneLine(String s) {
    if (s == null || s.isBlank()) {
      return "";
    }
    String line = s.strip().replaceAll("\\s*\\R\\s*", " | ");
    return line.length() > 160 ? line.substring(0, 157) + "..." : line;
  }

  /** Columns padded to their widest cell; "(none)" when there is no row. */
  private static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    void row(String... cells) {
      rows.add(cells);
    }

    void appendTo(StringBuilder out) {
      if (rows.size() == 1) {
        out.append("  (none)\n");
        return;
      }
      int[] width = new int[rows.getFirst().length];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder("  ");
        for (int i = 0; i < r.length; i++) {
          line.append(r[i]);
          if (i < r.length - 1) {
            line.append(" ".repeat(width[i] - r[i].length() + 2));
          }
        }
        out.append(line.toString().stripTrailing()).append('\n');
      }
    }
  }
}
