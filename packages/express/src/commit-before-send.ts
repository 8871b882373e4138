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
  commit: () => Promise<string | readonly string[] | undefined>,
  fail: (error: unknown) => void,
): void {
  let state: 'open' | 'committing' | 'done' = 'open';
  const queue: Call[] = [];

  const start = () => {
    if (state !== 'open') return;
    state = 'committing';
    commit().then(
      (cookies) => {
        if (!res.headersSent) for (const cookie of typeof cookies === 'string' ? [cookies] : (cookies ?? [])) appendSetCookie(res, cookie);
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

  /**
   * Replaces `res[method]` with a wrapper that queues the call (answering
   * `held` meanwhile) until the commit is done. Wrappers stay installed and
   * pass straight through once done, so a middleware that wrapped these
   * methods after us keeps working.
   */
  const hold = (method: 'writeHead' | 'write' | 'end' | 'flushHeaders', held: (res: ServerResponse) => unknown) => {
    const original = res[method] as (...args: unknown[]) => unknown;
    (res as unknown as Record<string, unknown>)[method] = function (this: ServerResponse, ...args: unknown[]) {
      if (state === 'done') return original.apply(this, args);
      queue.push(() => original.apply(this, args));
      start();
      return held(this);
    };
  };
  hold('writeHead', (self) => self);
  // `true`: no backpressure while held, the queue takes what is written.
  hold('write', () => true);
  hold('end', (self) => self);
  hold('flushHeaders', () => undefined);
}

/** Adds a `Set-Cookie` value without dropping those already set. */
export function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  if (existing === undefined) res.setHeader('Set-Cookie', cookie);
  else res.setHeader('Set-Cookie', [...(Array.isArray(existing) ? existing : [String(existing)]), cookie]);
}
