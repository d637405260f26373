package io.raftjvm.core.datadriven;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Text-file tests in etcd's datadriven manner: a file is a list of cases, each a command line, a
 * line {@code ----}, and the expected output up to a blank line. Lines starting with {@code #}
 * between cases are comments and stay as written. {@link #run} runs every command in order against
 * one handler and returns the file as it should read; with {@code -Draft.rewrite=true} the test
 * writes that back, so a change of behaviour is reviewed as a diff of the transcripts.
 */
public final class DataDriven {
  /** The system property that makes tests rewrite their expected output. */
  public static final String REWRITE = "raft.rewrite";

  /** One case: where it starts, the command, the output the file expects. */
  public record Case(int line, Command command, String expected) {}

  /**
   * A command line: its name, its plain arguments and its key=value arguments ({@code
   * voters=(1,2,3)} keeps its parentheses off).
   */
  public record Command(String name, List<String> args, Map<String, String> kv, String text) {
    public String get(String key, String fallback) {
      return kv.getOrDefault(key, fallback);
    }

    public long id(int i) {
      if (i >= args.size()) throw new IllegalArgumentException(name + " needs a node id");
      return Long.parseLong(args.get(i));
    }

    public static Command parse(String line) {
      List<String> args = new ArrayList<>();
      Map<String, String> kv = new LinkedHashMap<>();
      String[] tokens = line.trim().split("\\s+");
      for (int i = 1; i < tokens.length; i++) {
        String t = tokens[i];
        int eq = t.indexOf('=');
        if (eq > 0) {
          String v = t.substring(eq + 1);
          if (v.startsWith("(") && v.endsWith(")")) v = v.substring(1, v.length() - 1);
          kv.put(t.substring(0, eq), v);
        } else {
          args.add(t);
        }
      }
      return new Command(tokens[0], List.copyOf(args), Map.copyOf(kv), line.trim());
    }
  }

  private DataDriven() {}

  /** The cases of a file, in order. */
  public static List<Case> parse(List<String> lines) {
    List<Case> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        i++;
        continue;
      }
      int start = i + 1;
      if (i + 1 >= lines.size() || !lines.get(i + 1).equals("----")) {
        throw new IllegalArgumentException(
            "line " + start + ": expected ---- after '" + line + "'");
      }
      StringBuilder expected = new StringBuilder();
      i += 2;
      while (i < lines.size() && !lines.get(i).isEmpty())
        expected.append(lines.get(i++)).append('\n');
      out.add(new Case(start, Command.parse(line), expected.toString()));
    }
    return out;
  }

  /**
   * Runs every case of the file through handler (which returns the command's output, lines ending
   * in newlines, no blank line) and returns the file with each case's output as it came.
   */
  public static String run(List<String> lines, Function<Command, String> handler) {
    StringBuilder file = new StringBuilder();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        file.append(line).append('\n');
        i++;
        continue;
      }
      String out;
      try {
        out = handler.apply(Command.parse(line));
      } catch (RuntimeException e) {
        throw new IllegalStateException("line " + (i + 1) + " '" + line + "': " + e, e);
      }
      file.append(line).append('\n').append("----\n").append(out.isEmpty() ? "ok\n" : out);
      i += 2;
      while (i < lines.size() && !lines.get(i).isEmpty()) i++;
    }
    return file.toString();
  }

  public static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean rewriting() {
    return Boolean.getBoolean(REWRITE);
  }
}
