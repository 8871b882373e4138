import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { reportLateChange, type SessionContext, type SessionEngine } from '@podsafe/core/adapter';
import { makePropertyAddsCheap } from './cheap-properties.js';

/*
 * Holds back the response until the session is committed, so the session is
 * stored (and its cookie set) before the first byte leaves: a redirect right
 * after login can never overtake the write it depends on.
 *
 * Node sends headers on the first `write`/`end` (or `flushHeaders`), and after
 * `writeHead` no header may be added; so the first of those calls starts the
 * commit, and it and every later one are queued, then replayed in order once
 * the `Set-Cookie` header is in place. From that first call on, the response
 * behaves as if it had been sent (it has, as far as the app is concerned):
 * `headersSent` is true, setting a header or writing a second head throws
 * `ERR_HTTP_HEADERS_SENT` as Node would, a write after `end()` is an error
 * that is reported, never an unhandled `'error'`, and a socket destroyed by
 * the framework meanwhile (finalhandler does so when a response was already
 * sent) is closed only once the held response has gone out.
 *
 * "Sent" is Node's own: while held, `_header` (the serialized head, `null`
 * until sent) holds a placeholder, so Node's `headersSent`, `setHeader`,
 * `setHeaders`, `appendHeader` and `removeHeader` behave exactly as after a
 * real send, with nothing of them wrapped. The four wrapped methods and the
 * state are the only properties added to the response, after it has been made
 * a dictionary object (see cheap-properties.ts). Not WeakMaps: an entry per
 * request keyed by a short-lived object costs the garbage collector far more
 * than a property (measured: ~35 µs per request, by `bench/overhead.mjs`).
 */

const OPEN = 0;
/** The app has "sent": its calls are queued until the commit ends. */
const HELD = 1;
const DONE = 2;
/** The commit failed: the queue was dropped and the error handler answers; everything passes through. */
const FAILED = 3;

const WRITE_HEAD = 0;
const WRITE = 1;
const END = 2;
const FLUSH_HEADERS = 3;
/** Queue entries are [operation, a, b, c]: no closure or array per call. */
const ENTRY = 4;

const HOLD = Symbol('podsafe.hold');
const OWN_DESTROY = Symbol('podsafe.ownDestroy');

type Method = (this: ServerResponse, a?: unknown, b?: unknown, c?: unknown) => unknown;
/** Node's own field this file uses, `_header`: the serialized head, `null` until the head is sent. */
type HeldResponse = ServerResponse & { _header: string | null; [HOLD]: Hold };
/** A socket whose `destroy` waits for the held response it carries; its own `destroy`, if it had one, is kept. */
type HeldSocket = Socket & { [HOLD]: Hold | undefined; [OWN_DESTROY]: Socket['destroy'] | undefined };
type Next = (error?: unknown) => void;

/** While a response is held, its `_header`: any non-empty string reads as "sent" to Node and to middleware. */
const HELD_HEADER = 'podsafe: held until the session is committed\r\n\r\n';

/** One response's state while (and after) its commit runs. */
class Hold {
  phase = OPEN;
  queue: unknown[] = [];
  /** The status the app's response had when it was "sent" (the app may change `statusCode` afterwards, to no effect). */
  status = 200;
  message: string | undefined = undefined;
  ended = false;
  /** `write()` answered false: a `'drain'` is owed. */
  needDrain = false;
  lateChecked = false;
  /** Someone destroyed the socket while the response was held (finalhandler after a response was "sent"). */
  destroyRequested = false;
  /** The socket whose `destroy` waits for this response while it is held. */
  socket: HeldSocket | null = null;
  readonly writeHead: Method;
  readonly write: Method;
  readonly end: Method;
  readonly flushHeaders: Method;

  constructor(
    readonly req: IncomingMessage,
    readonly res: HeldResponse,
    readonly engine: SessionEngine,
    readonly context: SessionContext,
    readonly next: Next,
  ) {
    // The methods as they are now: a middleware mounted earlier (compression...) may have wrapped them.
    this.writeHead = res.writeHead as Method;
    this.write = res.write as Method;
    this.end = res.end as Method;
    this.flushHeaders = res.flushHeaders as Method;
  }

  /**
   * Commits once the app's synchronous code has run (what it changes right
   * after `end()` is still saved). A commit that needs no store call, the usual
   * read, is done then and there without a promise chain; others go to the store.
   */
  run(): void {
    queueMicrotask(() => {
      const cookies = this.engine.commitNow(this.context);
      if (cookies === undefined) {
        void this.commit();
        return;
      }
      try {
        this.committed(cookies);
      } catch (error) {
        this.res.destroy(error as Error);
      }
    });
  }

  async commit(): Promise<void> {
    let cookies: string[];
    try {
      cookies = await this.engine.commitCookies(this.context);
    } catch (error) {
      try {
        this.failed(error);
      } catch (thrown) {
        // The error handling itself threw: nothing can answer this request any more.
        this.res.destroy(thrown as Error);
      }
      return;
    }
    try {
      this.committed(cookies);
    } catch (error) {
      // A replayed call threw (a middleware's wrapper, say): the response cannot be answered any more.
      this.res.destroy(error as Error);
    }
  }

  committed(cookies: readonly string[]): void {
    const res = this.res;
    this.phase = DONE;
    release(this);
    for (const cookie of cookies) appendSetCookie(res, cookie);
    // An implicit head (first call write/end) uses statusCode: give it back the one the app sent.
    res.statusCode = this.status;
    if (this.message !== undefined) res.statusMessage = this.message;
    const queue = this.queue;
    let writable = true;
    for (let i = 0; i < queue.length; i += ENTRY) {
      const a = queue[i + 1];
      const b = queue[i + 2];
      const c = queue[i + 3];
      switch (queue[i]) {
        case WRITE_HEAD:
          this.writeHead.call(res, a, b);
          break;
        case WRITE:
          writable = this.write.call(res, a, b, c) !== false;
          break;
        case END:
          this.end.call(res, a, b, c);
          break;
        case FLUSH_HEADERS:
          this.flushHeaders.call(res);
          break;
      }
    }
    queue.length = 0;
    // Everything is written to the socket now: close it once that has left, as was asked.
    if (this.destroyRequested) this.socket?.destroySoon();
    // A false replayed write owes its own 'drain' (Node emits it); otherwise we owe it.
    if (this.needDrain && !this.ended && writable) res.emit('drain');
    if (this.ended) checkLateChange(this);
  }

  failed(error: unknown): void {
    const res = this.res;
    this.phase = FAILED;
    this.queue.length = 0;
    release(this);
    const socket = this.socket;
    if (this.destroyRequested && socket !== null) res.once('finish', () => socket.destroySoon());
    // Nothing of the prepared response has left: drop it and let Express's
    // error handling (the app's handlers, its logging, finalhandler's status
    // and `err.headers`) answer, exactly as for a failed load.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    this.next(error);
  }
}

/**
 * Holds `res` until `engine.commit(context)` has finished (see the top of this
 * file). If the commit fails, the held calls are dropped and `next(error)`
 * lets Express's error handling answer instead: nothing was sent yet, so it
 * still can, and its calls pass straight through. Wrappers stay installed and
 * pass straight through once done, so a middleware that wrapped these methods
 * after us keeps working.
 */
export function commitBeforeSend(
  req: IncomingMessage,
  res: ServerResponse,
  engine: SessionEngine,
  context: SessionContext,
  next: Next,
): void {
  makePropertyAddsCheap(res, '_header');
  const held = res as HeldResponse;
  held[HOLD] = new Hold(req, held, engine, context, next);
  const slots = res as unknown as Record<string, unknown>;
  slots.writeHead = heldWriteHead;
  slots.write = heldWrite;
  slots.end = heldEnd;
  slots.flushHeaders = heldFlushHeaders;
}

/** The app's first header-sending call: freeze what it sent, mark the head sent, start the commit. */
function hold(state: Hold, res: HeldResponse): void {
  state.phase = HELD;
  state.status = res.statusCode;
  state.message = res.statusMessage;
  res._header = HELD_HEADER;
  guardSocket(state);
  state.run();
}

/** The response is no longer held: its head is Node's again, and its socket's `destroy` acts at once. */
function release(state: Hold): void {
  state.res._header = null;
  // Only if still ours: a pipelined request's response on the same socket may hold it now.
  if (state.socket !== null && state.socket[HOLD] === state) state.socket[HOLD] = undefined;
}

function heldWriteHead(this: HeldResponse, statusCode: number, reason?: unknown, headers?: unknown): unknown {
  const state = this[HOLD];
  if (state.phase >= DONE) return state.writeHead.call(this, statusCode, reason, headers);
  if (state.phase === HELD) throw headersSentError();
  if (typeof reason !== 'string') {
    headers ??= reason;
    reason = undefined;
  }
  const status = statusCode | 0;
  if (status < 100 || status > 999)
    throw Object.assign(new RangeError(`Invalid status code: ${statusCode}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' });
  // Apply the head now, as Node's writeHead does on a response with headers
  // set: the replay then passes only the status, so the session's Set-Cookie
  // (appended in between) is not overwritten by the app's.
  if (Array.isArray(headers)) applyHeaderList(this, headers);
  else if (headers) for (const name of Object.keys(headers)) this.setHeader(name, (headers as Record<string, string>)[name]!);
  this.statusCode = status;
  if (reason !== undefined) this.statusMessage = reason as string;
  hold(state, this);
  state.queue.push(WRITE_HEAD, status, reason, undefined);
  return this;
}

function heldWrite(this: HeldResponse, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  const state = this[HOLD];
  if (state.phase >= DONE) return state.write.call(this, chunk, encoding, callback) as boolean;
  if (state.ended) return writeAfterEnd(this, encoding, callback);
  assertChunk(chunk);
  if (state.phase === OPEN) hold(state, this);
  state.queue.push(WRITE, chunk, encoding, callback);
  // Backpressure: the queue is memory, so a pipe() must wait for 'drain' (emitted after the replay).
  state.needDrain = true;
  return false;
}

function heldEnd(this: HeldResponse, chunk?: unknown, encoding?: unknown, callback?: unknown): unknown {
  const state = this[HOLD];
  if (state.phase >= DONE) {
    // A streamed response ending after its commit: changes made meanwhile were not saved.
    if (state.phase === DONE && !state.lateChecked) checkLateChange(state);
    return state.end.call(this, chunk, encoding, callback);
  }
  const data = typeof chunk === 'function' ? undefined : chunk;
  if (state.ended) {
    // As in Node: end() again is harmless, end(data) again is a write after end.
    if (data) writeAfterEnd(this, encoding, callback);
    else state.queue.push(END, chunk, encoding, callback);
    return this;
  }
  if (data) assertChunk(data);
  if (state.phase === OPEN) hold(state, this);
  state.ended = true;
  state.queue.push(END, chunk, encoding, callback);
  return this;
}

function heldFlushHeaders(this: HeldResponse): void {
  const state = this[HOLD];
  if (state.phase >= DONE) {
    state.flushHeaders.call(this);
    return;
  }
  // Already "sent" if held: nothing more to flush.
  if (state.phase === HELD) return;
  hold(state, this);
  state.queue.push(FLUSH_HEADERS, undefined, undefined, undefined);
}

/**
 * A handler that sees `res.headersSent` typically hands over to finalhandler,
 * which destroys the socket: while the response is held, that destroy is put
 * off until the held response has been written. The socket keeps the
 * wrapper for its life (keep-alive reuses it for the next responses).
 */
function guardSocket(state: Hold): void {
  const socket = state.req.socket as HeldSocket | null;
  if (!socket) return;
  state.socket = socket;
  if (socket.destroy !== deferredDestroy) {
    socket[OWN_DESTROY] = Object.hasOwn(socket, 'destroy') ? socket.destroy : undefined;
    (socket as unknown as Record<string, unknown>).destroy = deferredDestroy;
  }
  socket[HOLD] = state;
}

function deferredDestroy(this: HeldSocket, error?: Error): HeldSocket {
  const state = this[HOLD];
  // With an error it is the connection failing, not the app closing it: at once.
  if (state === undefined || state.phase !== HELD || error !== undefined) {
    this[HOLD] = undefined;
    const destroy = this[OWN_DESTROY] ?? (Object.getPrototypeOf(this) as Socket).destroy;
    return destroy.call(this, error) as HeldSocket;
  }
  state.destroyRequested = true;
  return this;
}

function checkLateChange(state: Hold): void {
  state.lateChecked = true;
  if (state.context.changedSinceCommit()) reportLateChange(state.engine, routeOf(state.req));
}

/** `METHOD /route/pattern` where Express matched a route, else the path (without the query). */
function routeOf(req: IncomingMessage): string {
  const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; originalUrl?: string };
  const pattern = express.route?.path;
  if (typeof pattern === 'string') return `${req.method} ${express.baseUrl ?? ''}${pattern}`;
  const url = express.originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return `${req.method} ${query === -1 ? url : url.slice(0, query)}`;
}

/** Node's own rule for `writeHead(status, [name, value, ...])`: these names replace, duplicates among them stay. */
function applyHeaderList(res: ServerResponse, list: unknown[]): void {
  const pairs: Array<[string, string]> = [];
  if (list.length > 0 && Array.isArray(list[0])) {
    for (const entry of list as Array<[string, string]>) pairs.push([entry[0], entry[1]]);
  } else {
    if (list.length % 2 !== 0)
      throw Object.assign(new TypeError("The argument 'headers' must have an even length"), { code: 'ERR_INVALID_ARG_VALUE' });
    for (let i = 0; i < list.length; i += 2) pairs.push([list[i] as string, list[i + 1] as string]);
  }
  for (const [name] of pairs) if (name) res.removeHeader(name);
  for (const [name, value] of pairs) if (name) res.appendHeader(name, value);
}

/** What Node's write() checks synchronously, so a bad chunk throws at the app's call, not at the replay. */
function assertChunk(chunk: unknown): void {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return;
  const error =
    chunk === null
      ? new TypeError('May not write null values to stream')
      : new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array');
  throw Object.assign(error, { code: chunk === null ? 'ERR_STREAM_NULL_VALUES' : 'ERR_INVALID_ARG_TYPE' });
}

/** Node's error for a second head. */
function headersSentError(): Error {
  return Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
}

/**
 * A write after `end()` while the response is held: the error Node would
 * give, to the callback and to `'error'` listeners if there are any, else
 * logged. Node would emit it unhandled and end the process; plain Express
 * never gets here (its second `send` throws at the first header it sets).
 */
function writeAfterEnd(res: ServerResponse, encoding: unknown, callback: unknown): false {
  const error = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
  const done = typeof encoding === 'function' ? encoding : callback;
  process.nextTick(() => {
    if (typeof done === 'function') done(error);
    if (res.listenerCount('error') > 0) res.emit('error', error);
    else console.error('podsafe: the response was written to after it had ended; the write was ignored.', error);
  });
  return false;
}

/** Adds a `Set-Cookie` value without dropping those already set. */
export function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  if (existing === undefined) res.setHeader('Set-Cookie', cookie);
  else res.setHeader('Set-Cookie', [...(Array.isArray(existing) ? existing : [String(existing)]), cookie]);
}
