package dev.prism;

import dev.prism.runtime.spi.FunctionDescriptor;
import java.lang.invoke.MethodType;
import java.util.Iterator;
import java.util.stream.BaseStream;

/**
 * Checks at submit time that a method's declared return type fits how its results are asked for:
 * several returns need a list or an array, a streaming generator an {@link Iterator}, {@link
 * Iterable} or {@link java.util.stream.Stream}. A type this process cannot load is left to the
 * worker, which reports a mismatch as the call's error.
 */
final class ReturnShape {

  private ReturnShape() {}

  /** Throws unless the method can give {@code numReturns} results (2 or more). */
  static void checkMultiple(FunctionDescriptor function, int numReturns) {
    if (numReturns < 2) {
      throw new IllegalArgumentException(
          "numReturns is " + numReturns + "; give 2 or more (use remote() for a single result)");
    }
    Class<?> type = returnType(function);
    if (type == null) {
      return;
    }
    if (!(type.isArray()
        || java.util.List.class.isAssignableFrom(type)
        || type.isAssignableFrom(java.util.List.class))) {
      throw new IllegalArgumentException(
          function.displayName()
              + " returns "
              + type.getTypeName()
              + ": a call with "
              + numReturns
              + " returns needs a method that returns a List or an array of exactly that many"
              + " elements");
    }
  }

  /** Throws unless the method returns something a generator can iterate. */
  static void checkStreaming(FunctionDescriptor function) {
    Class<?> type = returnType(function);
    if (type == null) {
      return;
    }
    if (!(Iterator.class.isAssignableFrom(type)
        || Iterable.class.isAssignableFrom(type)
        || BaseStream.class.isAssignableFrom(type)
        || type.isAssignableFrom(Iterator.class))) {
      throw new IllegalArgumentException(
          function.displayName()
              + " returns "
              + type.getTypeName()
              + ": remoteGenerator() needs a method that returns an Iterator, an Iterable or a"
              + " Stream of the values to send");
    }
  }

  /** Throws unless {@code backpressure} is -1 (none) or 1 or more. */
  static int checkBackpressure(int backpressure) {
    if (backpressure == 0 || backpressure < -1) {
      throw new IllegalArgumentException(
          "generator backpressure is "
              + backpressure
              + "; give -1 (no limit) or 1 or more values produced but not yet consumed");
    }
    return backpressure;
  }

  private static Class<?> returnType(FunctionDescriptor function) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ReturnShape.class.getClassLoader();
    }
    try {
      return MethodType.fromMethodDescriptorString(function.signature(), loader).returnType();
    } catch (TypeNotPresentException | IllegalArgumentException e) {
      return null;
    }
  }
}
