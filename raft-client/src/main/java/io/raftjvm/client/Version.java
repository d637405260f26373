package io.raftjvm.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * This build's version (the Maven project version), as the server logs it at start and shows in
 * {@code /status}, and as every tool's {@code --version} prints it.
 */
public final class Version {
  private static final String VERSION = read();

  private Version() {}

  /** The version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) throw new IllegalStateException("version.properties is missing from the jar");
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      if (v.isBlank() || v.startsWith("${"))
        throw new IllegalStateException("version.properties was not filled in by the build: " + v);
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
