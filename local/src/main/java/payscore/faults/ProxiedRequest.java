package payscore.faults;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 request read off a client connection, body complete (Content-Length or chunked).
 *
 * @param target the request target as sent (path and query)
 * @param headers in arrival order, names as sent
 */
record ProxiedRequest(String method, String target, String version, List<Header> headers, byte[] body) {

  private static final int MAX_LINE = 64 * 1024;
  private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  record Header(String name, String value) {}

  /**
   * Reads the next request; answers {@code Expect: 100-continue} before reading the body.
   *
   * @return null when the client closed the connection between requests
   */
  static ProxiedRequest read(InputStream in, OutputStream out) throws IOException {
    String requestLine = readLine(in, true);
    while (requestLine != null && requestLine.isEmpty()) {
      requestLine = readLine(in, true); // tolerated stray CRLF between requests
    }
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    if (parts.length != 3) {
      throw new IOException("malformed request line: " + requestLine);
    }
    List<Header> headers = new ArrayList<>();
    for (String line = readLine(in, false); !line.isEmpty(); line = readLine(in, false)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header: " + line);
      }
      headers.add(new Header(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
    }
    ProxiedRequest head = new ProxiedRequest(parts[0], parts[1], parts[2], List.copyOf(headers), new byte[0]);
    if ("100-continue".equalsIgnoreCase(head.header("Expect"))) {
      out.write(CONTINUE);
      out.flush();
    }
    byte[] body;
    if (head.header("Transfer-Encoding") != null
        && head.header("Transfer-Encoding").toLowerCase(Locale.ROOT).contains("chunked")) {
      body = readChunked(in);
    } else if (head.header("Content-Length") != null) {
      body = in.readNBytes(number(head.header("Content-Length"), 10));
    } else {
      body = new byte[0];
    }
    return new ProxiedRequest(head.method, head.target, head.version, head.headers, body);
  }

  /** The first value of the header, matched case-insensitively, or null. */
  String header(String name) {
    return headers.stream().filter(header -> header.name().equalsIgnoreCase(name)).map(Header::value).findFirst()
        .orElse(null);
  }

  /** HTTP/1.1 keeps the connection unless the client says close; HTTP/1.0 only when it asks for keep-alive. */
  boolean keepAlive() {
    String connection = header("Connection");
    if (version.equals("HTTP/1.0")) {
      return connection != null && connection.equalsIgnoreCase("keep-alive");
    }
    return connection == null || !connection.equalsIgnoreCase("close");
  }

  String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine(in, false);
      int extension = sizeLine.indexOf(';');
      int size = number((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
      if (size == 0) {
        while (!readLine(in, false).isEmpty()) {
          // trailers are dropped
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      readLine(in, false);
    }
  }

  private static int number(String text, int radix) throws IOException {
    try {
      int value = Integer.parseInt(text.trim(), radix);
      if (value < 0) {
        throw new IOException("negative length: " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IOException("not a length: " + text, e);
    }
  }

  /** A CRLF- (or LF-) terminated line; null at end of stream only where {@code eofAllowed}. */
  private static String readLine(InputStream in, boolean eofAllowed) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        if (eofAllowed && line.size() == 0) {
          return null;
        }
        throw new EOFException("connection closed inside a request");
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }
}
