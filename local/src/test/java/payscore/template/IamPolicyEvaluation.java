package payscore.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IAM's evaluation of identity policies for one request, as far as this template's policies need
 * it: an explicit {@code Deny} that matches wins over everything, else a matching {@code Allow}
 * allows, else the request is denied implicitly. Matching is IAM's: in {@code Action} and
 * {@code Resource}, {@code *} stands for any run of characters and {@code ?} for any one character,
 * both across {@code /} (so {@code …/POST/service-orders/*} covers the resolution route too);
 * actions compare without case, resources with it.
 *
 * <p>Statements with {@code NotAction}, {@code NotResource} or {@code Condition} are refused rather
 * than evaluated wrongly: this evaluator does not model them.
 */
final class IamPolicyEvaluation {
  private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9:]+)}");

  enum Decision { ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED }

  private IamPolicyEvaluation() {}

  /**
   * The decision for {@code action} on {@code resource} by a principal holding all of
   * {@code documents} (each a policy document with {@code Statement}).
   */
  static Decision evaluate(List<JsonNode> documents, String action, String resource) {
    boolean allowed = false;
    for (JsonNode document : documents) {
      for (JsonNode statement : statements(document)) {
        for (String field : List.of("NotAction", "NotResource", "Condition", "NotPrincipal")) {
          if (statement.has(field)) throw new IllegalArgumentException(field + " is not modelled: " + statement);
        }
        boolean matches = texts(statement.path("Action")).stream().anyMatch(a -> matches(a, action, true))
            && texts(statement.path("Resource")).stream().anyMatch(r -> matches(r, resource, false));
        if (!matches) continue;
        switch (statement.path("Effect").asText()) {
          case "Deny" -> {
            return Decision.EXPLICITLY_DENIED;
          }
          case "Allow" -> allowed = true;
          default -> throw new IllegalArgumentException("Effect must be Allow or Deny: " + statement);
        }
      }
    }
    return allowed ? Decision.ALLOWED : Decision.IMPLICITLY_DENIED;
  }

  /** IAM's wildcard match: {@code *} any run, {@code ?} any one character, {@code /} not special. */
  static boolean matches(String pattern, String value, boolean ignoreCase) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*') regex.append(".*");
      else if (c == '?') regex.append('.');
      else regex.append(Pattern.quote(String.valueOf(c)));
    }
    int flags = Pattern.DOTALL | (ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    return Pattern.compile(regex.toString(), flags).matcher(value).matches();
  }

  /**
   * A policy document as CloudFormation would deploy it: every {@code Fn::Sub} in it replaced by
   * its text with {@code ${Name}} taken from {@code values} (a pseudo parameter or a logical id's
   * {@code Ref}); an unknown name fails.
   */
  static JsonNode deployed(JsonNode document, Map<String, String> values) {
    if (document.isObject() && document.size() == 1 && document.has("Fn::Sub")) {
      JsonNode sub = document.get("Fn::Sub");
      if (!sub.isTextual()) throw new IllegalArgumentException("only the one-argument Fn::Sub is modelled: " + sub);
      Matcher variable = SUB_VARIABLE.matcher(sub.asText());
      StringBuilder text = new StringBuilder();
      while (variable.find()) {
        String value = values.get(variable.group(1));
        if (value == null) throw new IllegalArgumentException("no value for ${" + variable.group(1) + "} in " + sub);
        variable.appendReplacement(text, Matcher.quoteReplacement(value));
      }
      variable.appendTail(text);
      return TextNode.valueOf(text.toString());
    }
    if (document.isObject()) {
      var copy = JsonNodeFactory.instance.objectNode();
      document.fields().forEachRemaining(e -> copy.set(e.getKey(), deployed(e.getValue(), values)));
      return copy;
    }
    if (document.isArray()) {
      var copy = JsonNodeFactory.instance.arrayNode();
      document.forEach(item -> copy.add(deployed(item, values)));
      return copy;
    }
    return document;
  }

  private static List<JsonNode> statements(JsonNode document) {
    JsonNode statement = document.path("Statement");
    List<JsonNode> list = new ArrayList<>();
    if (statement.isArray()) statement.forEach(list::add);
    else if (statement.isObject()) list.add(statement);
    return list;
  }

  private static List<String> texts(JsonNode node) {
    if (node.isTextual()) return List.of(node.asText());
    List<String> texts = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual()) throw new IllegalArgumentException("not a deployed string: " + item);
      texts.add(item.asText());
    }
    return texts;
  }
}
