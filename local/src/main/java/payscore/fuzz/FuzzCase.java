package payscore.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * One generated invocation: the API Gateway event (or raw event bytes for the Lambda stream),
 * what it should get beyond the invariants every case is held to, and what it means for the
 * order it targets.
 *
 * @param kind e.g. {@code mutate/too-long}; the part before the slash is the family
 * @param event the event for {@code handle}, also serialized for {@code handleRequest}; null only for a null event
 * @param rawEvent event bytes for {@code handleRequest} when they are not a JSON value Jackson would write (else null)
 * @param viaStream through {@code handleRequest} (the Lambda stream path) instead of {@code handle}
 * @param order the order number the case acts on, when it has one the function should accept
 * @param model the valid body sent for {@code order}, or null when the body is not valid
 * @param note what was done, for failure messages
 */
record FuzzCase(String kind, JsonNode event, byte[] rawEvent, boolean viaStream, Expect expect, String order,
    BodyModel model, String note) {

  String family() {
    int slash = kind.indexOf('/');
    return slash < 0 ? kind : kind.substring(0, slash);
  }

  /** What a case must get besides the invariants. */
  record Expect(Type type, int status, String code, Set<String> fields, boolean single, boolean allFields) {
    enum Type {
      /** Only the invariants. */
      ANY,
      /** Some 4xx. */
      CLIENT_ERROR,
      /** 200, sent now: {@code replayed} false. */
      SENT,
      /** 200, a replay of the earlier success with its WeChat request id. */
      REPLAY,
      /** 400 INVALID_REQUEST with an error on one of {@code fields} (all of them with allFields). */
      INVALID,
      /** Exactly {@code status}, with {@code code} when not null. */
      STATUS,
      /** 200 from GET with the record of a sent order. */
      RECORD_SENT
    }

    static Expect any() {
      return new Expect(Type.ANY, 0, null, Set.of(), false, false);
    }

    static Expect clientError() {
      return new Expect(Type.CLIENT_ERROR, 0, null, Set.of(), false, false);
    }

    static Expect sent() {
      return new Expect(Type.SENT, 200, null, Set.of(), false, false);
    }

    static Expect replay() {
      return new Expect(Type.REPLAY, 200, null, Set.of(), false, false);
    }

    static Expect recordSent() {
      return new Expect(Type.RECORD_SENT, 200, null, Set.of(), false, false);
    }

    static Expect status(int status, String code) {
      return new Expect(Type.STATUS, status, code, Set.of(), false, false);
    }

    /** One broken thing: exactly one error, on one of {@code fields}. */
    static Expect invalid(String... fields) {
      return new Expect(Type.INVALID, 400, "INVALID_REQUEST", Set.of(fields), true, false);
    }

    /** Some error on one of {@code fields} (any, when none are given), possibly with others. */
    static Expect invalidSome(String... fields) {
      return new Expect(Type.INVALID, 400, "INVALID_REQUEST", Set.of(fields), false, false);
    }

    /** An error on each of {@code fields}. */
    static Expect invalidAll(String... fields) {
      return new Expect(Type.INVALID, 400, "INVALID_REQUEST", Set.of(fields), false, true);
    }

    boolean sends() {
      return type == Type.SENT;
    }

    @Override
    public String toString() {
      return switch (type) {
        case ANY -> "any 2xx/4xx";
        case CLIENT_ERROR -> "a 4xx";
        case SENT -> "200 sent (replayed=false)";
        case REPLAY -> "200 replayed=true";
        case RECORD_SENT -> "200 record in state SENT";
        case STATUS -> status + (code == null ? "" : " " + code);
        case INVALID -> "400 INVALID_REQUEST with " + (single ? "exactly one error, on " : allFields ? "errors on all of "
            : "an error on one of ") + (fields.isEmpty() ? "any field" : fields);
      };
    }
  }
}
