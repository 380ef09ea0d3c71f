package dev.prism;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts an actor method's calls in a named concurrency group (like Ray's {@code
 * @ray.method(concurrency_group="io")}): they run within that group's own limit of calls at once,
 * so a group that is busy never holds up the calls of another. The actor declares the group at
 * creation with {@link ActorCreator#setConcurrencyGroup(String, int)}; creating an actor whose
 * class names a group it does not declare fails at {@code remote()}, naming the method and the
 * group.
 *
 * <pre>{@code
 * public class Store {
 *   @ConcurrencyGroup("io")
 *   public byte[] read(String key) { ... }
 * }
 * ActorHandle<Store> store = Prism.actor(Store::new).setConcurrencyGroup("io", 2).remote();
 * }</pre>
 *
 * <p>A group chosen for the method at creation ({@link ConcurrencyGroupBuilder#addMethod}) takes
 * precedence over this annotation, and one chosen for a call ({@link
 * ActorTaskCaller#setConcurrencyGroup(String)}) over both. An overriding method without the
 * annotation keeps the group of the method it overrides.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ConcurrencyGroup {

  /**
   * The name of the default group: the calls of methods in no named group run there, within the
   * actor's {@link ActorCreator#setMaxConcurrency max concurrency}. A named group cannot have this
   * name; a call may name it to run in the default group.
   */
  String DEFAULT = "default";

  /**
   * The name of the group, as the actor declares it at creation.
   *
   * @return the group's name
   */
  String value();
}
