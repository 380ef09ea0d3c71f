/**
 * Prism's public API: start or join a cluster ({@link dev.prism.Prism#init}), turn static methods
 * into remote tasks ({@code Prism.task(MyClass::method, args...).remote()}) and classes into actors
 * ({@code Prism.actor(MyActor::new, args...).remote()}), pass {@link dev.prism.ObjectRef}s as
 * futures, read them with {@code Prism.get} and {@code Prism.wait}, and reserve resources with
 * placement groups ({@link dev.prism.PlacementGroups}). Failures of remote work reach the caller as
 * subclasses of {@link dev.prism.PrismException}.
 *
 * <p>This package is the only one applications and Prism's libraries may use; everything under
 * {@code dev.prism.runtime} is the implementation and may change without notice.
 */
package dev.prism;
