package dev.prism.serve.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prism.serve.BadRequestException;
import dev.prism.serve.ServeException;
import java.io.IOException;

/** The one JSON mapper of ml-serve: request bodies, responses, specs, the checkpoint. */
public final class Json {

  /** The mapper: unknown properties ignored, nothing else changed from Jackson's defaults. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Json() {}

  /**
   * Parses a request body.
   *
   * @param body the bytes
   * @return the tree
   * @throws BadRequestException when it is not JSON
   */
  public static JsonNode parse(byte[] body) {
    try {
      JsonNode n = MAPPER.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new BadRequestException("the request body is empty; JSON was expected");
      }
      return n;
    } catch (IOException e) {
      throw new BadRequestException("the request body is not valid JSON: " + brief(e), e);
    }
  }

  /**
   * Parses a request body into a type.
   *
   * @param body the bytes
   * @param type the type
   * @param <T> the type
   * @return the value
   * @throws BadRequestException when it is not JSON of that shape
   */
  public static <T> T parse(byte[] body, Class<T> type) {
    try {
      if (body.length == 0) {
        throw new BadRequestException(
            "the request body is empty; JSON for " + type.getSimpleName() + " was expected");
      }
      return MAPPER.readValue(body, type);
    } catch (IOException e) {
      throw new BadRequestException(
          "the request body is not valid JSON for " + type.getSimpleName() + ": " + brief(e), e);
    }
  }

  /**
   * Writes a value as JSON.
   *
   * @param value the value
   * @return the bytes
   * @throws ServeException when it cannot be written
   */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new ServeException(
          "cannot write a " + value.getClass().getName() + " as JSON: " + brief(e), e);
    }
  }

  /**
   * Writes a value as a JSON string.
   *
   * @param value the value
   * @return the text
   */
  public static String text(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new ServeException(
          "cannot write a " + value.getClass().getName() + " as JSON: " + brief(e), e);
    }
  }

  /**
   * Reads a JSON string written by {@link #text}.
   *
   * @param text the JSON
   * @param type the type
   * @param <T> the type
   * @return the value
   */
  public static <T> T read(String text, Class<T> type) {
    try {
      return MAPPER.readValue(text, type);
    } catch (IOException e) {
      throw new ServeException(
          "cannot read " + type.getSimpleName() + " from JSON: " + brief(e), e);
    }
  }

  /**
   * Converts a tree into a (generic) type.
   *
   * @param node the tree
   * @param type the type
   * @return the value
   */
  public static Object convert(JsonNode node, java.lang.reflect.Type type) {
    JavaType t = MAPPER.getTypeFactory().constructType(type);
    try {
      return MAPPER.treeToValue(node, t);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ServeException("cannot read a " + t + " from " + node + ": " + brief(e), e);
    }
  }

  private static String brief(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
