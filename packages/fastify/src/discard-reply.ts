import type { FastifyReply } from 'fastify';

/**
 * Throws away the reply a handler prepared, before a failed commit turns it
 * into an error reply: its payload, which Fastify will never send (a stream
 * would otherwise keep its file descriptor or upstream socket open), and its
 * headers, which describe that payload and must not reach the 503 (a
 * `Location`, `Cache-Control: public` or `Content-Disposition` there would
 * be wrong, a cached 503 worse). The error's own headers (`Retry-After`) are
 * added after this.
 */
export function discardPreparedReply(reply: FastifyReply, payload: unknown): void {
  destroyPayload(payload);
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  // Headers set on reply.raw directly are the raw response's, not the reply's.
  const raw = reply.raw;
  if (!raw.headersSent) for (const name of raw.getHeaderNames()) raw.removeHeader(name);
}

function destroyPayload(payload: unknown): void {
  if (payload === null || typeof payload !== 'object') return;
  const stream = payload as { destroy?: unknown; pipe?: unknown; cancel?: unknown; getReader?: unknown };
  if (typeof stream.pipe === 'function' && typeof stream.destroy === 'function') {
    (stream.destroy as () => void).call(payload);
  } else if (typeof stream.getReader === 'function' && typeof stream.cancel === 'function') {
    // A web ReadableStream: cancelling releases its source; a locked one rejects, which changes nothing here.
    (stream.cancel as () => Promise<void>).call(payload).catch(() => undefined);
  }
}
