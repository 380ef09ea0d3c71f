package dev.prism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.security.SecurityConfigException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Prism#init(PrismConfig)} fails only with {@code dev.prism} exception types. */
class PrismInitTest {

  @AfterEach
  void stop() {
    Prism.shutdown();
  }

  @Test
  void aClusterThatRefusesTheDriverFailsInitWithAPrismExceptionThatSaysWhy() {
    try (GcsServer gcs = GcsServer.start()) {
      // named as localhost, the GCS of this JVM is not recognized as this JVM's, so no token is
      // found for it and the one the driver tries is refused
      String port = gcs.address().substring(gcs.address().lastIndexOf(':') + 1);
      PrismConfig config = PrismConfig.builder().address("localhost:" + port).build();
      assertThatThrownBy(() -> Prism.init(config))
          .isExactlyInstanceOf(PrismException.class)
          .hasMessageContaining("token")
          .hasCauseExactlyInstanceOf(SecurityConfigException.class);
      assertThat(Prism.isInitialized()).isFalse();
    }
  }

  @Test
  void anUnreachableClusterFailsInitWithAPrismExceptionNamingTheAddress() {
    PrismConfig config =
        PrismConfig.builder()
            .address("127.0.0.1:1")
            .controlTimeout(java.time.Duration.ofSeconds(2))
            .build();
    assertThatThrownBy(() -> Prism.init(config))
        .isExactlyInstanceOf(PrismException.class)
        .hasMessageContaining("cannot reach the cluster at 127.0.0.1:1");
    assertThat(Prism.isInitialized()).isFalse();
  }

  @Test
  void initWithAnAddressRefusesNullAndWhatIsNotHostPort() {
    assertThatThrownBy(() -> Prism.init((String) null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("address");
    assertThatThrownBy(() -> Prism.init("no-port-here"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'no-port-here' is not host:port");
    assertThatThrownBy(() -> Prism.init("127.0.0.1:1"))
        .isExactlyInstanceOf(PrismException.class)
        .hasMessageContaining("cannot reach the cluster at 127.0.0.1:1");
    assertThat(Prism.isInitialized()).isFalse();
  }

  @Test
  void aControlTimeoutMustBePositive() {
    assertThatThrownBy(() -> PrismConfig.builder().controlTimeout(java.time.Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("controlTimeout");
    assertThat(PrismConfig.builder().build().controlTimeout())
        .isEqualTo(PrismConfig.DEFAULT_CONTROL_TIMEOUT);
  }

  @Test
  void aNodeIpIsAnAddressWithoutAPort() {
    for (String bad : List.of("", "  ", "10.0.0.5:6379")) {
      assertThatThrownBy(() -> PrismConfig.builder().nodeIp(bad).build())
          .as("nodeIp '%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not an address")
          .hasMessageContaining("without a port");
    }
    assertThat(PrismConfig.builder().nodeIp(" 10.0.0.5 ").build().nodeIp()).contains("10.0.0.5");
    assertThat(PrismConfig.builder().nodeIp("fe80::1").build().nodeIp()).contains("fe80::1");
    assertThat(PrismConfig.builder().build().nodeIp()).isEmpty();
  }
}
