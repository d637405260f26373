package io.raftjvm.counter.tools;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The {@code --cluster host:port,host:port} option: the servers' client addresses. */
public final class Cluster implements ITypeConverter<List<String>> {

  @Override
  public List<String> convert(String value) {
    return parse(value);
  }

  /** Comma-separated "host:port" (or "[ipv6]:port"); duplicates dropped; at least one. */
  public static List<String> parse(String value) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String part : (value == null ? "" : value).split(",")) {
      String a = part.trim();
      if (a.isEmpty()) {
        continue;
      }
      check(a);
      out.add(a);
    }
    if (out.isEmpty()) {
      throw new TypeConversionException("expected host:port[,host:port...], got '" + value + "'");
    }
    return List.copyOf(new ArrayList<>(out));
  }

  /** Host and port of one "host:port" address. */
  static String host(String address) {
    String host = address.substring(0, address.lastIndexOf(':'));
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static void check(String a) {
    int colon = a.lastIndexOf(':');
    if (colon <= 0 || colon == a.length() - 1) {
      throw new TypeConversionException("expected host:port, got '" + a + "'");
    }
    int port;
    try {
      port = Integer.parseInt(a.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new TypeConversionException("bad port in '" + a + "'");
    }
    if (port <= 0 || port > 65_535 || host(a).isEmpty()) {
      throw new TypeConversionException(
          "expected host:port with a port in 1..65535, got '" + a + "'");
    }
  }
}
