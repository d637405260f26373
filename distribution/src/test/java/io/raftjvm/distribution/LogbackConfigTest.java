package io.raftjvm.distribution;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.rolling.helper.TimeBasedArchiveRemover;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's logging configuration, conf/logback.xml, loaded here as bin/raft-node.sh has the
 * server load it (the same properties, set on a logger context of the test's own): where the lines
 * go, in which format, and how the files roll and are deleted.
 */
@DisplayName("conf/logback.xml: outputs, formats, rolling")
class LogbackConfigTest {
  static final Path CONFIG = Path.of("").toAbsolutePath().getParent().resolve("conf/logback.xml");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /**
   * A logger context configured from the file with these properties. Fails on anything logback
   * warns about while configuring (a misspelt element or setting, an appender that cannot start).
   */
  static LoggerContext configure(Path config, Map<String, String> properties)
      throws JoranException {
    LoggerContext ctx = new LoggerContext();
    ctx.setName("test");
    ctx.setMDCAdapter(new LogbackMDCAdapter()); // slf4j gives the global context one
    properties.forEach(ctx::putProperty);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(ctx);
    configurator.doConfigure(config.toFile());
    try {
      assertNoComplaint(ctx);
    } catch (AssertionError e) {
      ctx.stop();
      throw e;
    }
    return ctx;
  }

  /** Fails when logback warned or failed since the context began (an append that failed too). */
  static void assertNoComplaint(LoggerContext ctx) {
    assertNoComplaint(ctx, s -> false);
  }

  static void assertNoComplaint(LoggerContext ctx, Predicate<Status> tolerated) {
    List<String> problems = new ArrayList<>();
    for (Status s : ctx.getStatusManager().getCopyOfStatusList()) {
      if (s.getEffectiveLevel() >= Status.WARN && !tolerated.test(s)) problems.add(s.toString());
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("logback complained: " + problems);
    }
  }

  /** Stops the context (waiting for background compression and clean-up), then checks it. */
  private static void stop(LoggerContext ctx) {
    ctx.stop();
    assertNoComplaint(ctx);
  }

  private Map<String, String> props(String... keyValues) {
    Map<String, String> m = new TreeMap<>();
    m.put("raft.log.dir", dir.toString());
    m.put("raft.log.name", "node1");
    for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
    return m;
  }

  @Test
  void consoleAndARollingFileByDefault() throws Exception {
    LoggerContext ctx = configure(CONFIG, props());
    try {
      Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
      assertEquals(Level.INFO, root.getLevel());
      assertEquals(Level.WARN, ctx.getLogger("net.openhft").getLevel(), "Chronicle at WARN");
      ConsoleAppender<?> console =
          assertInstanceOf(ConsoleAppender.class, root.getAppender("CONSOLE"));
      assertInstanceOf(PatternLayoutEncoder.class, console.getEncoder());
      RollingFileAppender<?> file =
          assertInstanceOf(RollingFileAppender.class, root.getAppender("FILE"));
      assertEquals(dir.resolve("node1.log").toString(), file.getFile());
      SizeAndTimeBasedRollingPolicy<?> policy =
          assertInstanceOf(SizeAndTimeBasedRollingPolicy.class, file.getRollingPolicy());
      assertEquals(14, policy.getMaxHistory());
      assertEquals(
          dir.resolve("node1.%d{yyyy-MM-dd}.%i.log.gz").toString(), policy.getFileNamePattern());

      ctx.getLogger("io.raftjvm.server.RaftServer").info("node {} of cluster '{}'", 1, "local");
      ctx.getLogger("io.raftjvm.server.RaftServer").debug("not at INFO");
      ctx.getLogger("net.openhft.chronicle.queue").info("not below WARN");
    } finally {
      stop(ctx);
    }
    List<String> lines = Files.readAllLines(dir.resolve("node1.log"));
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(
        lines
            .get(0)
            .matches(
                "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\[.+\\] INFO "
                    + " io\\.raftjvm\\.server\\.RaftServer - node 1 of cluster 'local'"),
        lines.get(0));
  }

  @Test
  void consoleOnlyWritesNoFile() throws Exception {
    LoggerContext ctx = configure(CONFIG, props("raft.log.output", "console"));
    try {
      Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
      assertNotNull(root.getAppender("CONSOLE"));
      assertNull(root.getAppender("FILE"));
      ctx.getLogger("io.raftjvm.test").info("to the console");
    } finally {
      stop(ctx);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(), files.toList());
    }
  }

  @Test
  void fileOnlyHasNoConsole() throws Exception {
    LoggerContext ctx = configure(CONFIG, props("raft.log.output", "file"));
    try {
      Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
      assertNull(root.getAppender("CONSOLE"));
      assertNotNull(root.getAppender("FILE"));
    } finally {
      stop(ctx);
    }
  }

  @Test
  void theLevelIsASetting() throws Exception {
    LoggerContext ctx = configure(CONFIG, props("raft.log.level", "DEBUG"));
    try {
      assertEquals(Level.DEBUG, ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
      assertEquals(Level.WARN, ctx.getLogger("net.openhft").getLevel(), "Chronicle stays quiet");
    } finally {
      stop(ctx);
    }
  }

  /** JSON: one object per line, in the file and on the console, with the fields shippers want. */
  @Test
  void jsonIsOneObjectPerLine() throws Exception {
    LoggerContext ctx = configure(CONFIG, props("raft.log.format", "json"));
    try {
      Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
      ConsoleAppender<?> console =
          assertInstanceOf(ConsoleAppender.class, root.getAppender("CONSOLE"));
      assertInstanceOf(JsonEncoder.class, console.getEncoder());
      stop(ctx); // only the file from here on
      ctx = configure(CONFIG, props("raft.log.format", "json", "raft.log.output", "file"));
      Logger log = ctx.getLogger("io.raftjvm.server.RaftServer");
      log.info("node {} became leader at term {}", 2, 7);
      log.warn("a \"quoted\" line\nand a second", new IllegalStateException("boom"));
    } finally {
      stop(ctx);
    }
    List<String> lines = Files.readAllLines(dir.resolve("node1.log"));
    assertEquals(2, lines.size(), "one line per event, the line break escaped: " + lines);
    JsonNode info = JSON.readTree(lines.get(0));
    assertEquals("INFO", info.get("level").asText());
    assertEquals("io.raftjvm.server.RaftServer", info.get("loggerName").asText());
    assertEquals("node 2 became leader at term 7", info.get("formattedMessage").asText());
    assertEquals("node {} became leader at term {}", info.get("message").asText());
    assertTrue(info.get("timestamp").isIntegralNumber(), lines.get(0));
    assertTrue(info.has("threadName"), lines.get(0));
    JsonNode warn = JSON.readTree(lines.get(1));
    assertEquals("WARN", warn.get("level").asText());
    assertEquals("a \"quoted\" line\nand a second", warn.get("formattedMessage").asText());
    assertEquals("boom", warn.get("throwable").get("message").asText());
  }

  /**
   * Small limits, and far more written than they allow: the file rolls at its size limit, rolled
   * files are compressed, and the oldest are deleted once the rolled files exceed the total cap.
   */
  @Test
  void rollsAtTheSizeLimitAndDeletesTheOldestBeyondTheCap() throws Exception {
    int maxFileSize = 8 * 1024;
    int totalSizeCap = 24 * 1024;
    int lines = 4_000; // about 440 KB of text that does not compress much: some 50 roll-overs
    LoggerContext ctx =
        configure(
            CONFIG,
            props(
                "raft.log.output", "file",
                "raft.log.max-file-size", "8KB",
                "raft.log.total-size-cap", "24KB"));
    SplittableRandom random = new SplittableRandom(42);
    try {
      Logger log = ctx.getLogger("io.raftjvm.test");
      for (int i = 0; i < lines; i++) {
        StringBuilder noise = new StringBuilder();
        for (int k = 0; k < 64; k++) noise.append((char) ('a' + random.nextInt(26)));
        log.info("line {} {}", i, noise);
      }
    } finally {
      ctx.stop(); // waits for the background compression and clean-up
    }

    // Files rolling every few milliseconds start clean-ups that overlap: one may find a file that
    // another already deleted. Harmless, and impossible at production sizes; anything else fails.
    assertNoComplaint(
        ctx,
        s ->
            s.getOrigin() instanceof TimeBasedArchiveRemover
                && s.getEffectiveLevel() == Status.WARN
                && s.getMessage().contains("delete"));
    Pattern rolled = Pattern.compile("node1\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)\\.log(\\.gz)?");
    TreeMap<Integer, Path> archives = new TreeMap<>();
    Set<String> days = new TreeSet<>();
    List<String> others = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Matcher m = rolled.matcher(p.getFileName().toString());
        if (m.matches()) {
          days.add(m.group(1));
          archives.put(Integer.parseInt(m.group(2)), p);
        } else {
          others.add(p.getFileName().toString());
        }
      }
    }
    // (A rolled file whose compression a racing clean-up cut short may stay uncompressed.)
    assertEquals(List.of("node1.log"), others, "the active file and rolled ones, nothing else");
    // Some 440 KB were written; the active file holds at most one file's worth: it rolled.
    String active = Files.readString(dir.resolve("node1.log"));
    assertTrue(active.length() <= maxFileSize + 200, "active file " + active.length() + " bytes");
    // The racing background clean-ups may have deleted every rolled file: rolled (above) and
    // deleted, and nothing left to look into. Otherwise, what is left:
    if (archives.isEmpty()) return;
    assumeTrue(days.size() == 1, "the run crossed midnight (the numbering restarts): " + days);
    assertTrue(archives.lastKey() >= 40, "rolled " + (archives.lastKey() + 1) + " times");
    assertFalse(archives.containsKey(0), "the oldest file is still there: " + archives.keySet());
    assertTrue(
        archives.size() < archives.lastKey(), "only a few rolled files kept: " + archives.keySet());
    long total = 0;
    for (Path p : archives.values()) total += Files.size(p);
    // Roll-overs every few milliseconds start background clean-ups that overlap and race (one may
    // keep a file or two over the cap, another delete more than it needs), as never at real sizes;
    // without the cap the rolled files would take some 250 KB.
    assertTrue(total <= 3L * totalSizeCap, "rolled files take " + total + " bytes");

    // Each file holds consecutive lines up to its size limit, the newest in the active file.
    List<String> kept = new ArrayList<>();
    for (Path p : archives.values()) {
      String text = readRolled(p);
      assertTrue(text.length() <= maxFileSize + 200, p + " holds " + text.length() + " bytes");
      kept.addAll(text.lines().toList());
    }
    kept.addAll(active.lines().toList());
    int last = lineNumber(kept.get(kept.size() - 1));
    assertEquals(lines - 1, last, "the last line written is the last line kept");
    // Each file holds consecutive lines (a racing clean-up may have taken the newest rolled file,
    // so
    // the files need not join up).
    List<List<String>> files = new ArrayList<>();
    for (Path p : archives.values()) files.add(readRolled(p).lines().toList());
    files.add(active.lines().toList());
    for (List<String> f : files) {
      for (int i = 1; i < f.size(); i++) {
        assertEquals(lineNumber(f.get(i - 1)) + 1, lineNumber(f.get(i)), f.get(i));
      }
    }
  }

  private static String readRolled(Path p) throws IOException {
    return p.toString().endsWith(".gz") ? gunzip(p) : Files.readString(p);
  }

  /** The check every test above relies on: logback's complaints fail the configuration. */
  @Test
  void aMisspeltSettingFailsTheCheck() throws Exception {
    String xml = Files.readString(CONFIG, UTF_8);
    assertTrue(xml.contains("<maxFileSize>"));
    Path broken = dir.resolve("broken.xml");
    Files.writeString(
        broken,
        xml.replace("<maxFileSize>", "<maxFileSze>").replace("</maxFileSize>", "</maxFileSze>"));
    AssertionError e = assertThrows(AssertionError.class, () -> configure(broken, props()));
    assertTrue(e.getMessage().contains("maxFileSze"), e.getMessage());

    // And a file that cannot be opened (its directory is a file), which doConfigure lets pass.
    Path notADirectory = Files.writeString(dir.resolve("not-a-directory"), "");
    LoggerContext ctx = new LoggerContext();
    ctx.setMDCAdapter(new LogbackMDCAdapter());
    ctx.putProperty("raft.log.dir", notADirectory.toString());
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(ctx);
    configurator.doConfigure(CONFIG.toFile());
    ctx.getLogger("io.raftjvm.test").info("nowhere to go");
    assertThrows(AssertionError.class, () -> stop(ctx));
  }

  private static int lineNumber(String line) {
    Matcher m = Pattern.compile(" - line (\\d+) ").matcher(line);
    assertTrue(m.find(), line);
    return Integer.parseInt(m.group(1));
  }

  private static String gunzip(Path p) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }
}
