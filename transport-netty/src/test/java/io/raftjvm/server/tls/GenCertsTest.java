package io.raftjvm.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.client.tls.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/gen-certs.sh makes what the servers and tools accept, with the identities they check. */
class GenCertsTest {
  @Test
  void theDevelopmentCertificatesLoadAndNameWhatTheyShould(@TempDir Path dir) throws Exception {
    Path script = Path.of("").toAbsolutePath().getParent().resolve("bin/gen-certs.sh");
    assertTrue(Files.isExecutable(script), "no " + script);
    Process p =
        new ProcessBuilder(
                script.toString(), "--dir", dir.toString(), "--cluster", "c", "--nodes", "3")
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gen-certs.sh did not finish");
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "gen-certs.sh needs openssl (.ci/run installs it): " + out);
    Path ca = dir.resolve("ca.crt");
    for (long id = 1; id <= 3; id++) {
      TlsMaterial m =
          TlsMaterial.load(
              dir.resolve("node" + id + ".crt"), dir.resolve("node" + id + ".key"), ca);
      assertTrue(RaftIdentity.namesNode(m.certificate(), "c", id), "node " + id);
      assertFalse(RaftIdentity.namesNode(m.certificate(), "c", id + 1));
      assertFalse(RaftIdentity.isAdmin(m.certificate(), "c"));
    }
    TlsMaterial admin = TlsMaterial.load(dir.resolve("admin.crt"), dir.resolve("admin.key"), ca);
    assertTrue(RaftIdentity.isAdmin(admin.certificate(), "c"));
    TlsMaterial client = TlsMaterial.load(dir.resolve("client.crt"), dir.resolve("client.key"), ca);
    assertFalse(RaftIdentity.isAdmin(client.certificate(), "c"));
    assertFalse(RaftIdentity.namesSomeNode(client.certificate(), "c"));
  }
}
