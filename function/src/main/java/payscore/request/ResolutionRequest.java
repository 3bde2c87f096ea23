package payscore.request;

/**
 * A validated resolution of one order by an operator.
 *
 * @param sent whether the operator found that WeChat has the message
 * @param reason what the operator checked, 1 to 200 characters
 */
public record ResolutionRequest(String outOrderNo, boolean sent, String reason) {}
