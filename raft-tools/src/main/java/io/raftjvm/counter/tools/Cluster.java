package io.raftjvm.counter.tools;

import io.raftjvm.client.HostPort;
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

  private static void check(String a) {
    try {
      HostPort.parse(a);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
