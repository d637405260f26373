package io.raftjvm.deploy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/**
 * A node's HOCON read as the server reads it (typesafe config; substitutions such as {@code
 * ${POD_NAMESPACE}} taken from the environment, here a given one).
 */
final class RaftConf {
  private static final ConfigParseOptions MUST_EXIST =
      ConfigParseOptions.defaults().setAllowMissing(false);

  private RaftConf() {}

  /** The HOCON text resolved with POD_NAMESPACE = namespace and nothing else from outside. */
  static Config parse(String hocon, String namespace) {
    return resolve(ConfigFactory.parseString(hocon), namespace);
  }

  /** A HOCON file (its includes resolved against its directory), resolved as above. */
  static Config parse(Path file, String namespace) {
    return resolve(ConfigFactory.parseFile(new File(file.toString()), MUST_EXIST), namespace);
  }

  private static Config resolve(Config c, String namespace) {
    return c.withFallback(ConfigFactory.parseMap(Map.of("POD_NAMESPACE", namespace)))
        .resolve(ConfigResolveOptions.noSystem());
  }

  /** The server's defaults: transport-netty's reference.conf in this repository. */
  static Config reference() {
    Path ref =
        Manifests.moduleDir()
            .getParent()
            .resolve("transport-netty/src/main/resources/reference.conf");
    return ConfigFactory.parseFile(new File(ref.toString()), MUST_EXIST).resolve();
  }

  /** The host of "host:port". */
  static String host(String address) {
    return address.substring(0, address.lastIndexOf(':'));
  }

  /** The port of "host:port". */
  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
