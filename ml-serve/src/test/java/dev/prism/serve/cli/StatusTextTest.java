package dev.prism.serve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.serve.ServeStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status tables, from a status made by hand. */
class StatusTextTest {

  @Test
  void tablesListProxiesApplicationsDeploymentsAndReplicas() {
    ServeStatus.DeploymentStatus d =
        new ServeStatus.DeploymentStatus(
            "Echo",
            "UPSCALING",
            "",
            2,
            List.of(
                new ServeStatus.Replica("r1", "RUNNING", "node-1", "abc"),
                new ServeStatus.Replica("r2", "STARTING", "", "abc")));
    Map<String, ServeStatus.App> apps = new LinkedHashMap<>();
    apps.put("echo", new ServeStatus.App("echo", "/echo", "DEPLOYING", "", Map.of("Echo", d)));
    apps.put("inner", new ServeStatus.App("inner", "", "DEPLOY_FAILED", "boom\n  at X", Map.of()));
    ServeStatus s =
        new ServeStatus(
            List.of(new ServeStatus.Proxy("node-1", "http://127.0.0.1:8000", "HEALTHY")), apps);

    String text = StatusText.render("127.0.0.1:6379", s);

    assertThat(text)
        .startsWith("Serve on the Prism cluster at 127.0.0.1:6379\n")
        .contains("Proxies: 1")
        .containsPattern("node-1\\s+http://127.0.0.1:8000\\s+HEALTHY")
        .contains("Applications: 2")
        .containsPattern("echo\\s+/echo\\s+DEPLOYING\\s+http://127.0.0.1:8000/echo")
        .containsPattern("inner\\s+-\\s+DEPLOY_FAILED\\s+-\\s+boom \\| at X")
        .containsPattern("echo\\s+Echo\\s+UPSCALING\\s+1 / 2")
        .containsPattern("echo\\s+Echo\\s+r2\\s+STARTING\\s+-\\s+abc");
    assertThat(text.lines()).noneMatch(l -> l.endsWith(" "));
  }

  @Test
  void emptyTablesSayNone() {
    String text = StatusText.render("a:1", new ServeStatus(List.of(), Map.of()));
    assertThat(text).contains("Proxies: 0\n  (none)").contains("Applications: 0\n  (none)");
    assertThat(StatusText.url(null, "/x")).isEqualTo("-");
    assertThat(StatusText.url("http://h:1", "/")).isEqualTo("http://h:1/");
  }
}
