package io.raftjvm.client;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of the tools' options and the one way durations are printed in messages:
 * "10s", "500ms", "2m", "1h", "250us", decimals such as "1.5s", or ISO-8601 ("PT10S"); printed as
 * "5 s", "500 ms", "1.5 s", "250 us".
 */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|ms|s|m|h)");

  private Durations() {}

  /**
   * Reads a duration.
   *
   * @throws IllegalArgumentException with a one-line message quoting the text
   */
  public static Duration parse(String text) {
    String v = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(v);
    if (m.matches()) {
      double n = Double.parseDouble(m.group(1));
      double nanosPerUnit =
          switch (m.group(2)) {
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
          };
      double nanos = n * nanosPerUnit;
      if (nanos > Long.MAX_VALUE / 2.0) {
        throw new IllegalArgumentException("duration too long: '" + text + "'");
      }
      return Duration.ofNanos(Math.round(nanos));
    }
    if (v.startsWith("pt")) {
      try {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException(
        "expected a duration such as 10s, 500ms, 2m or 1h, got '" + text + "'");
  }

  /** "5 s", "500 ms", "1.5 s", "250 us". */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + " s";
    if (nanos >= 1_000_000_000L) return trim(nanos / 1e9) + " s";
    if (nanos % 1_000_000L == 0) return nanos / 1_000_000L + " ms";
    return trim(nanos / 1e3) + " us";
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.3f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
