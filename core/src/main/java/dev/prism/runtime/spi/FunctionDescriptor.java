package dev.prism.runtime.spi;

import java.util.Objects;

/**
 * Names a remote method the way it travels in a task spec: the declaring class, the method name,
 * its JVM descriptor (e.g. {@code (II)I}) and what kind of call it is.
 *
 * @param className binary name of the declaring class, e.g. {@code com.acme.Jobs$Inner}
 * @param methodName the method's name, {@code <init>} for a constructor
 * @param signature the JVM method descriptor, e.g. {@code (Ljava/lang/String;)I}
 * @param kind how the method is called
 */
public record FunctionDescriptor(String className, String methodName, String signature, Kind kind) {

  /** How a remote method is called. */
  public enum Kind {
    /** A static method run as a task. */
    STATIC,
    /** An instance method of an actor; the actor instance is the receiver. */
    INSTANCE,
    /** A constructor that creates an actor. */
    CONSTRUCTOR
  }

  /**
   * Validates the parts.
   *
   * @throws NullPointerException if a part is null
   */
  public FunctionDescriptor {
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(methodName, "methodName");
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(kind, "kind");
  }

  /**
   * The name users see in errors and logs: {@code SimpleClass.method}.
   *
   * @return the short display name
   */
  public String displayName() {
    String simple = className.substring(className.lastIndexOf('.') + 1);
    return kind == Kind.CONSTRUCTOR ? simple + ".new" : simple + "." + methodName;
  }

  @Override
  public String toString() {
    return className + "." + methodName + signature;
  }
}
