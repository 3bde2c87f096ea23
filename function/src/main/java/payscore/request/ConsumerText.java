package payscore.request;

/**
 * The contract's character rule (v3) for text a consumer is shown (names and descriptions on the
 * WeChat order page) and for every other string of a request: no control characters, and none of
 * the invisible or bidirectional formatting characters that make a text read otherwise than it is
 * (U+202E turns "1174" into "4711" on screen).
 */
final class ConsumerText {
  private ConsumerText() {}

  /**
   * C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F); zero-width and directional marks
   * (U+200B–U+200F); line and paragraph separators and directional embeddings and overrides
   * (U+2028–U+202E); word joiner, invisible operators and directional isolates (U+2060–U+2069);
   * the byte order mark / zero-width no-break space (U+FEFF).
   */
  static boolean forbidden(char c) {
    return c <= 0x1F
        || (c >= 0x7F && c <= 0x9F)
        || (c >= 0x200B && c <= 0x200F)
        || (c >= 0x2028 && c <= 0x202E)
        || (c >= 0x2060 && c <= 0x2069)
        || c == 0xFEFF;
  }

  /** {@code U+202E}: how an error names a character it cannot show. */
  static String name(char c) {
    return String.format("U+%04X", (int) c);
  }
}
