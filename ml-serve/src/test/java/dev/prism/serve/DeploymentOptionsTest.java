package dev.prism.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad options are refused when set, with messages that name them; no cluster needed. */
class DeploymentOptionsTest {

  @Test
  void defaultsAreRayServes() {
    Deployment<Echo> d = Deployment.builder(Echo.class).build();
    assertThat(d.name()).isEqualTo("Echo");
    assertThat(d.numReplicas()).isEqualTo(1);
    assertThat(d.maxOngoingRequests()).isEqualTo(5);
    assertThat(d.resources()).isEqualTo(Map.of("CPU", 1.0));
    assertThat(d.autoscaling()).isNull();
    Deployment<Echo> other = d.toBuilder().name("Other").numReplicas(3).build();
    assertThat(other.name()).isEqualTo("Other");
    assertThat(d.name()).isEqualTo("Echo");
  }

  @Test
  void badDeploymentOptionsAreRefused() {
    Deployment.Builder<Echo> b = Deployment.builder(Echo.class);
    assertThatThrownBy(() -> b.name("a b")).hasMessageContaining("deployment name 'a b'");
    assertThatThrownBy(() -> b.numReplicas(-1)).hasMessageContaining("numReplicas is -1");
    assertThatThrownBy(() -> b.maxOngoingRequests(0)).hasMessageContaining("maxOngoingRequests");
    assertThatThrownBy(() -> b.maxQueuedRequests(-2)).hasMessageContaining("maxQueuedRequests");
    assertThatThrownBy(() -> b.resource("CPU", 1.5)).hasMessageContaining("whole numbers");
    assertThatThrownBy(() -> b.resource("GPU", -1)).hasMessageContaining("amount >= 0");
    assertThatThrownBy(() -> b.healthCheck(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("must be > 0");
    assertThatThrownBy(() -> b.requestTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> Deployment.builder(Runnable.class))
        .hasMessageContaining("public, concrete class");
  }

  @Test
  void badAutoscalingIsRefused() {
    assertThatThrownBy(() -> AutoscalingConfig.builder().minReplicas(3).maxReplicas(2).build())
        .hasMessageContaining("maxReplicas is 2");
    assertThatThrownBy(() -> AutoscalingConfig.builder().targetOngoingRequests(0).build())
        .hasMessageContaining("targetOngoingRequests");
    assertThatThrownBy(() -> AutoscalingConfig.builder().lookBackPeriod(Duration.ZERO).build())
        .hasMessageContaining("lookBackPeriod");
    assertThat(AutoscalingConfig.builder().minReplicas(0).maxReplicas(4).build().initialReplicas())
        .isEqualTo(1);
  }

  @Test
  void badNamesAndPrefixesAreRefusedBeforeAnythingIsDeployed() {
    var app = Deployment.builder(Echo.class).build().bind();
    assertThatThrownBy(() -> Serve.run(app, "bad name", "/x"))
        .hasMessageContaining("application name");
    assertThatThrownBy(() -> Serve.run(app, "ok", "x")).hasMessageContaining("must start with '/'");
    assertThatThrownBy(() -> Serve.run(app, "ok", "/x/")).hasMessageContaining("not end with '/'");
    assertThatThrownBy(() -> Serve.run(app, "ok", "/-/mine")).hasMessageContaining("'/-/'");
  }

  @Test
  void twoDifferentDeploymentsWithOneNameAreRefused() {
    var a = Deployment.builder(Echo.class).build();
    var b = Deployment.builder(Echo.class).numReplicas(2).build();
    assertThatThrownBy(() -> Serve.run(a.bind(b.bind()), "clash", "/clash"))
        .hasMessageContaining("two different deployments named Echo");
  }

  @Test
  void badServeConfigIsRefused() {
    assertThatThrownBy(() -> ServeConfig.defaults().withPort(70000))
        .hasMessageContaining("port 70000");
    assertThatThrownBy(() -> ServeConfig.defaults().withMaxBodyBytes(0))
        .hasMessageContaining("maxBodyBytes");
  }
}
