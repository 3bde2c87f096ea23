package payscore.wechatpay;

import java.net.URI;
import java.net.http.HttpResponse;

/** What became of one signed request: an answer, or a failure before or after it was sent. */
sealed interface Exchange {
  /** WeChat answered (any status); {@code host} is the base URL that answered. */
  record Answered(HttpResponse<byte[]> response, URI host) implements Exchange {}

  /** Nothing reached WeChat: no connection could be made ({@code CONNECT_FAILED}), or the deadline had passed ({@code DEADLINE_EXCEEDED}). */
  record NotSent(String code, String reason) implements Exchange {}

  /** The request may have reached WeChat, but no answer came (timeout, reset, interruption). */
  record NoAnswer(String reason, boolean timedOut) implements Exchange {}
}
