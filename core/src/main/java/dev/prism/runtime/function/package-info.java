/**
 * How a method reference becomes a remote call and back: {@link
 * dev.prism.runtime.function.FunctionResolver} reads which method a reference names on the
 * submitting side (refusing lambdas, overloads and the wrong kind of method), {@link
 * dev.prism.runtime.function.FunctionDescriptor} names it in a task spec, and {@link
 * dev.prism.runtime.function.FunctionInvoker} calls it on the executing worker through cached
 * method handles.
 */
package dev.prism.runtime.function;
