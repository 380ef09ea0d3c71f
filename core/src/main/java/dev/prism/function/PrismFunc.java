package dev.prism.function;

import java.io.Serializable;

/**
 * The common supertype of every remote-function interface ({@link PrismFunc0} to {@link PrismFunc6}
 * and {@link PrismFuncVoid0} to {@link PrismFuncVoid6}). Prism reads the method a reference names
 * from its serialized form, so every remote function is {@link Serializable}.
 */
public interface PrismFunc extends Serializable {}
