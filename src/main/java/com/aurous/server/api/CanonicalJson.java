package com.aurous.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical form of a JSON body for idempotency: keys sorted at every depth, no
 * insignificant whitespace, numbers as parsed. Two bodies that mean the same hash the same.
 */
public final class CanonicalJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private CanonicalJson() {}

  public static String hash(String body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      byte[] canonical = MAPPER.writeValueAsBytes(sorted(node));
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (Exception e) {
      throw ApiException.invalid("malformed_json", "The body is not valid JSON.", null);
    }
  }

  private static Object sorted(JsonNode node) {
    if (node instanceof ObjectNode obj) {
      Map<String, Object> m = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        m.put(e.getKey(), sorted(e.getValue()));
      }
      return m;
    }
    if (node.isArray()) {
      java.util.List<Object> l = new java.util.ArrayList<>();
      node.forEach(n -> l.add(sorted(n)));
      return l;
    }
    return node;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
