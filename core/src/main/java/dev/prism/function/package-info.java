/**
 * Functional interfaces for remote functions and actor methods, of arity 0 to 7 (an actor method
 * takes its instance first, then up to 6 arguments). Users never implement them: they pass method
 * references ({@code MyClass::method}) that the compiler turns into instances of these interfaces.
 */
package dev.prism.function;
