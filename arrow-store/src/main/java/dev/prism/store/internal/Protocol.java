package dev.prism.store.internal;

import dev.prism.store.InvalidRequestException;
import dev.prism.store.ObjectAlreadySealedException;
import dev.prism.store.ObjectExistsException;
import dev.prism.store.ObjectNotFoundException;
import dev.prism.store.ObjectNotSealedException;
import dev.prism.store.ProtocolException;
import dev.prism.store.StoreClosedException;
import dev.prism.store.StoreException;
import dev.prism.store.StoreFullException;
import dev.prism.store.StoreTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The client-server wire protocol over a Unix domain socket, in native byte order (both ends are on
 * one node).
 *
 * <p>Every frame is {@code int32 length} (of what follows) then the body. A request body starts
 * with an {@code op} byte; a reply body starts with a status byte. Requests: {@code HELLO magic
 * version pid clientGroup} (connections with the same client group share pins and creations),
 * {@code CREATE id size copy timeoutNanos -> offset}, {@code SEAL id} (one-way), {@code ABORT id},
 * {@code GET id timeoutNanos -> offset size}, {@code RELEASE id} (one-way), {@code DELETE id},
 * {@code CONTAINS id -> byte}, {@code STATS -> counters}, {@code LIST -> entries}, {@code SYNC}. A
 * one-way request that fails produces an {@code ASYNC_ERROR} frame, sent before the next reply. Ids
 * are 20 bytes. Internal: not part of the API.
 */
public final class Protocol {

  /** Byte order of every number on the wire. */
  public static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** Largest request frame the server accepts. */
  public static final int MAX_REQUEST = 1 << 16;

  /** Largest reply frame a client accepts. */
  public static final int MAX_REPLY = 1 << 30;

  /** Magic number in HELLO, so a stray peer is recognised at once. */
  public static final int MAGIC = 0x50524953; // "PRIS"

  /** Protocol version in HELLO. */
  public static final int VERSION = 1;

  /** Request op codes. */
  public static final byte HELLO = 1;

  /** Create: id, size, copy kind, timeout; replies with the offset. */
  public static final byte CREATE = 2;

  /** Seal (one-way). */
  public static final byte SEAL = 3;

  /** Abort. */
  public static final byte ABORT = 4;

  /** Get: id, timeout; replies with offset and size. */
  public static final byte GET = 5;

  /** Release (one-way). */
  public static final byte RELEASE = 6;

  /** Delete. */
  public static final byte DELETE = 7;

  /** Contains. */
  public static final byte CONTAINS = 8;

  /** Stats. */
  public static final byte STATS = 9;

  /** List. */
  public static final byte LIST = 10;

  /** Sync: replies once every earlier request was processed. */
  public static final byte SYNC = 11;

  /** Reply status: success. */
  public static final byte OK = 0;

  /** Reply status: the request failed. */
  public static final byte ERROR = 1;

  /** Reply status: an earlier one-way request failed; the real reply follows. */
  public static final byte ASYNC_ERROR = 2;

  private static final byte E_NOT_FOUND = 1;
  private static final byte E_EXISTS = 2;
  private static final byte E_SEALED = 3;
  private static final byte E_NOT_SEALED = 4;
  private static final byte E_FULL = 5;
  private static final byte E_TIMEOUT = 6;
  private static final byte E_INVALID = 7;
  private static final byte E_PROTOCOL = 8;
  private static final byte E_CLOSED = 9;
  private static final byte E_OTHER = 10;

  private Protocol() {}

  /**
   * Returns the wire code of an exception.
   *
   * @param e the exception
   * @return its code
   */
  public static byte errorCode(StoreException e) {
    return switch (e) {
      case ObjectNotFoundException x -> E_NOT_FOUND;
      case ObjectExistsException x -> E_EXISTS;
      case ObjectAlreadySealedException x -> E_SEALED;
      case ObjectNotSealedException x -> E_NOT_SEALED;
      case StoreFullException x -> E_FULL;
      case StoreTimeoutException x -> E_TIMEOUT;
      case InvalidRequestException x -> E_INVALID;
      case ProtocolException x -> E_PROTOCOL;
      case StoreClosedException x -> E_CLOSED;
      default -> E_OTHER;
    };
  }

  /**
   * Rebuilds the exception that the server reported.
   *
   * @param code the wire code
   * @param message the server's message
   * @return the exception, to be thrown in the client
   */
  public static StoreException exception(byte code, String message) {
    return switch (code) {
      case E_NOT_FOUND -> new ObjectNotFoundException(message);
      case E_EXISTS -> new ObjectExistsException(message);
      case E_SEALED -> new ObjectAlreadySealedException(message);
      case E_NOT_SEALED -> new ObjectNotSealedException(message);
      case E_FULL -> new StoreFullException(message);
      case E_TIMEOUT -> new StoreTimeoutException(message);
      case E_INVALID -> new InvalidRequestException(message);
      case E_PROTOCOL -> new ProtocolException(message);
      case E_CLOSED -> new StoreClosedException(message);
      default -> new StoreException(message);
    };
  }

  /**
   * Writes a string as int32 length plus UTF-8 bytes (truncated to fit the buffer).
   *
   * @param buf the buffer
   * @param s the string
   */
  public static void putString(ByteBuffer buf, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(b.length, Math.max(0, buf.remaining() - 4));
    buf.putInt(n).put(b, 0, n);
  }

  /**
   * Reads a string written by {@link #putString}.
   *
   * @param buf the buffer
   * @return the string
   */
  public static String getString(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0 || n > buf.remaining()) {
      throw new ProtocolException("bad string length " + n + " in a frame");
    }
    byte[] b = new byte[n];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
