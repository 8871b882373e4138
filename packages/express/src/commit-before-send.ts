import type { ServerResponse } from 'node:http';

type Call = () => void;

/**
 * Holds back the response until `commit` has finished, so the session is
 * stored (and its cookie set) before the first byte leaves: a redirect right
 * after login can never overtake the write it depends on.
 *
 * Node sends headers on the first `write`/`end` (or `flushHeaders`), and after
 * `writeHead` no header may be added; so the first of those calls starts the
 * commit and every call is queued, then replayed in order once the
 * `Set-Cookie` header is in place. `commit`'s `Set-Cookie` value is appended to
 * any the app set itself. If the commit fails, the queued calls are dropped
 * and `fail` must answer instead (nothing has been sent yet, so it still can);
 * its own calls pass straight through.
 */
export function commitBeforeSend(
  res: ServerResponse,
  commit: () => Promise<string | undefined>,
  fail: (error: unknown) => void,
): void {
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  let state: 'open' | 'committing' | 'done' = 'open';
  const queue: Call[] = [];

  const start = () => {
    if (state !== 'open') return;
    state = 'committing';
    commit().then(
      (cookie) => {
        if (cookie !== undefined && !res.headersSent) appendSetCookie(res, cookie);
        state = 'done';
        for (const call of queue.splice(0)) call();
      },
      (error: unknown) => {
        state = 'done';
        queue.length = 0;
        fail(error);
      },
    );
  };

  // Wrappers stay installed and pass straight through once done, so another
  // middleware that wrapped these methods after us keeps working.
  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    if (state === 'done') return (original.writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    queue.push(() => (original.writeHead as (...a: unknown[]) => ServerResponse).apply(this, args));
    start();
    return this;
  } as ServerResponse['writeHead'];

  res.write = function write(this: ServerResponse, ...args: unknown[]) {
    if (state === 'done') return (original.write as (...a: unknown[]) => boolean).apply(this, args);
    queue.push(() => (original.write as (...a: unknown[]) => boolean).apply(this, args));
    start();
    return true;
  } as ServerResponse['write'];

  res.end = function end(this: ServerResponse, ...args: unknown[]) {
    if (state === 'done') return (original.end as (...a: unknown[]) => ServerResponse).apply(this, args);
    queue.push(() => (original.end as (...a: unknown[]) => ServerResponse).apply(this, args));
    start();
    return this;
  } as ServerResponse['end'];

  res.flushHeaders = function flushHeaders(this: ServerResponse) {
    if (state === 'done') return original.flushHeaders.call(this);
    queue.push(() => original.flushHeaders.call(this));
    start();
  };
}

/** Adds a `Set-Cookie` value without dropping those already set. */
export function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  if (existing === undefined) res.setHeader('Set-Cookie', cookie);
  else res.setHeader('Set-Cookie', [...(Array.isArray(existing) ? existing : [String(existing)]), cookie]);
}
