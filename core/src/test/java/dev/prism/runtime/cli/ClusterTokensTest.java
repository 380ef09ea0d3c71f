package dev.prism.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prism.runtime.security.ClusterToken;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which token a joining process presents, and that it never presents one to a stranger. */
class ClusterTokensTest {

  @Test
  void aSessionsTokenGoesOnlyToItsOwnClusterUnderAnyLocalName(@TempDir Path root) {
    SessionDir session = SessionDir.create(root, "127.0.0.1:46379");
    ClusterToken token = ClusterToken.generate();
    token.writeTo(session.tokenFile());

    assertThat(find(root, "127.0.0.1:46379")).contains(token);
    assertThat(find(root, "localhost:46379"))
        .as("the same cluster named localhost")
        .contains(token);
    assertThat(find(root, "10.1.2.3:46379")).as("another machine's cluster").isEmpty();
    assertThat(find(root, "127.0.0.1:46380")).as("another port on this machine").isEmpty();
  }

  @Test
  void anExplicitTokenWinsOverSessions(@TempDir Path root) {
    SessionDir session = SessionDir.create(root, "127.0.0.1:46379");
    ClusterToken.generate().writeTo(session.tokenFile());
    ClusterToken given = ClusterToken.generate();
    Optional<ClusterTokens.Found> found =
        ClusterTokens.find(
            Optional.empty(), Map.of(ClusterToken.ENV, given.secret()), root, "127.0.0.1:46379");
    assertThat(found.map(ClusterTokens.Found::token)).contains(given);
  }

  private static Optional<ClusterToken> find(Path root, String address) {
    return ClusterTokens.find(Optional.empty(), Map.of(), root, address)
        .map(ClusterTokens.Found::token);
  }
}
