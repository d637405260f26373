package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every address in configs, commands, redirects and hellos is read and written here. */
class HostPortTest {
  @ParameterizedTest
  @CsvSource({
    "node1:7001, node1, 7001",
    "127.0.0.1:1, 127.0.0.1, 1",
    "[::1]:7201, ::1, 7201",
    "[fe80::1%eth0]:65535, fe80::1%eth0, 65535"
  })
  void readsHostAndPortAndWritesThemBack(String text, String host, int port) {
    InetSocketAddress a = HostPort.parse(text);
    assertEquals(host, a.getHostString());
    assertEquals(port, a.getPort());
    assertTrue(a.isUnresolved(), "no lookup while parsing");
    assertEquals(text, HostPort.format(a));
    assertTrue(HostPort.isValid(text));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "node1          | has no port",
        "node1:         | has a bad port",
        ":7001          | has no host",
        "node1:x        | has a bad port",
        "node1:-1       | has a bad port",
        "node1:0        | has a port outside 1-65535",
        "node1:70000    | has a port outside 1-65535",
        "::1:7001       | is an IPv6 address without brackets (write [::1]:7001)",
        "[::1:7001      | has an unclosed [",
        "[]:7001        | has an unclosed ["
      })
  void refusesWithTheTextAndTheProblem(String text, String problem) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
    assertEquals("expected host:port, but '" + text + "' " + problem, e.getMessage());
    assertFalse(HostPort.isValid(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " "})
  void refusesBlank(String text) {
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
  }
}
