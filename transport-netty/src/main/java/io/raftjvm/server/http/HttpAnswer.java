package io.raftjvm.server.http;

import java.nio.charset.StandardCharsets;

/**
 * An HTTP answer: status, content type and body.
 *
 * @param cors whether cross-origin pages may read it (the JSON and health endpoints)
 */
public record HttpAnswer(int status, String contentType, byte[] body, boolean cors) {
  public static final String TEXT = "text/plain; charset=utf-8";
  public static final String JSON = "application/json";

  /** A one-line plain-text answer. */
  public static HttpAnswer text(int status, String line) {
    return new HttpAnswer(status, TEXT, (line + "\n").getBytes(StandardCharsets.UTF_8), true);
  }

  public static HttpAnswer json(int status, byte[] body) {
    return new HttpAnswer(status, JSON, body, true);
  }
}
