/**
 * App bugs around the response must cost the app what they cost it without
 * podsafe, never the process: answering twice (a missing `return`),
 * `res.send(); next()` into the 404 handler, and responding then throwing or
 * rejecting. Each scenario runs on plain Express and on Express with
 * `session()`, on Express 4 and 5, and both must be seen alike: the first
 * response is sent, the error handler sees the same error with
 * `res.headersSent === true`, nothing is left unhandled, and the app goes on
 * serving.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import express5 from 'express';
import express4 from 'express4';
import type { ErrorRequestHandler, Request } from 'express';
import { session } from '@podsafe/express';
import { GatedStore } from '@podsafe/test-support/gated-store';
import { Browser } from '@podsafe/testkit';

const SECRET = 'respond-twice-secret-0123456789abcdef';
type Data = Record<string, unknown>;

/** Errors the process did not handle while a test ran (the old code's `ERR_STREAM_WRITE_AFTER_END`). */
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown) => unhandled.push(error);
beforeAll(() => {
  process.on('uncaughtException', onUnhandled);
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('uncaughtException', onUnhandled);
  process.off('unhandledRejection', onUnhandled);
});
afterEach(() => {
  expect(unhandled).toEqual([]);
  unhandled.length = 0;
});

interface Seen {
  error: string;
  headersSent: boolean;
}

interface App {
  url: string;
  store: GatedStore;
  /** What the app's error handler saw, in order. */
  seen: Seen[];
  /** Resolves when the error handler has run once more. */
  nextError(): Promise<void>;
  close(): void;
}

async function start(framework: typeof express5, withSession: boolean, async: boolean): Promise<App> {
  const store = new GatedStore();
  const seen: Seen[] = [];
  let waiting: (() => void) | undefined;
  const app = framework();
  if (withSession) app.use(session({ store, secret: SECRET }));
  const change = (req: Request) => {
    const data = req.session as unknown as Data | undefined;
    if (data) data.n = ((data.n as number | undefined) ?? 0) + 1;
  };
  app.get('/twice', (req, res) => {
    change(req);
    res.status(401).json({ first: true });
    res.status(200).json({ second: true });
  });
  app.get('/send-next', (req, res, next) => {
    change(req);
    res.send('first');
    next();
  });
  app.get('/throw', (req, res) => {
    change(req);
    res.json({ first: true });
    throw new Error('thrown after the response');
  });
  if (async) {
    app.get('/reject', async (req, res) => {
      change(req);
      res.json({ first: true });
      await Promise.resolve();
      throw new Error('rejected after the response');
    });
  }
  app.get('/end-twice', (req, res) => {
    change(req);
    res.end('first');
    const callback = (error?: NodeJS.ErrnoException) => void seen.push({ error: `callback: ${error?.code}`, headersSent: res.headersSent });
    res.end('second', callback as () => void);
  });
  app.get('/count', (req, res) => res.json({ n: (req.session as unknown as Data | undefined)?.n ?? null }));
  // The usual shape (the example app's): delegate to Express once headers are out.
  const handler: ErrorRequestHandler = (err, _req, res, next) => {
    seen.push({ error: err.code ?? err.message, headersSent: res.headersSent });
    waiting?.();
    if (res.headersSent) return next(err);
    res.status(500).json({ error: 'handler' });
  };
  app.use(handler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    seen,
    nextError: () => new Promise<void>((resolve) => (waiting = resolve)),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const frameworks = [
  ['express 4', express4, false],
  ['express 5', express5, true],
] as const;

describe.each(frameworks)('%s: a handler that responds, then misbehaves', (_name, framework, async) => {
  const apps: App[] = [];
  afterAll(() => {
    for (const app of apps) app.close();
  });
  const both = async () => {
    const plain = await start(framework, false, async);
    const podsafe = await start(framework, true, async);
    apps.push(plain, podsafe);
    return { plain, podsafe };
  };

  const scenarios: Array<[string, number, unknown]> = [
    ['/twice', 401, { first: true }],
    ['/send-next', 200, 'first'],
    ['/throw', 200, { first: true }],
    ...(async ? ([['/reject', 200, { first: true }]] as Array<[string, number, unknown]>) : []),
  ];

  it.each(scenarios)(
    '%s: the first response is sent, the error goes where plain Express sends it, and the app keeps serving',
    async (path, status, body) => {
      const { plain, podsafe } = await both();
      const plainReply = await new Browser(plain.url).get(path);
      expect(plainReply.status).toBe(status);
      expect(plainReply.body).toEqual(body);

      const user = new Browser(podsafe.url);
      const reply = await user.get(path);
      expect(reply.status).toBe(status);
      expect(reply.body).toEqual(body);
      // The session was committed before the response left.
      expect(reply.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
      expect(podsafe.seen).toEqual(plain.seen);
      expect(podsafe.seen.every((s) => s.headersSent)).toBe(true);
      // Still serving, with the session the first response committed.
      expect((await user.get('/count')).body).toEqual({ n: 1 });
    },
  );

  if (async) {
    it('/reject while the commit is still pending: the error handler sees headersSent, the first response is sent', async () => {
      const { podsafe } = await both();
      podsafe.store.hold();
      const errorSeen = podsafe.nextError();
      const user = new Browser(podsafe.url);
      const pending = user.get('/reject');
      await errorSeen;
      expect(podsafe.seen).toEqual([{ error: 'rejected after the response', headersSent: true }]);
      podsafe.store.release();
      const reply = await pending;
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ first: true });
      expect((await user.get('/count')).body).toEqual({ n: 1 });
    });
  }

  it('a second answer while the commit is pending cannot change the first one (status, headers, body)', async () => {
    const { podsafe } = await both();
    podsafe.store.hold();
    const user = new Browser(podsafe.url);
    const pending = user.get('/twice');
    await podsafe.store.saveReached();
    podsafe.store.release();
    const reply = await pending;
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ first: true });
    expect(reply.headers.get('content-length')).toBe(String(JSON.stringify({ first: true }).length));
    expect(podsafe.seen).toEqual([{ error: 'ERR_HTTP_HEADERS_SENT', headersSent: true }]);
  });

  it('res.end(data) twice while held: the first is sent, the second is an error to its callback and the log, not an unhandled one', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { podsafe } = await both();
    const user = new Browser(podsafe.url);
    const reply = await user.get('/end-twice');
    expect(reply.body).toBe('first');
    expect(podsafe.seen).toEqual([{ error: 'callback: ERR_STREAM_WRITE_AFTER_END', headersSent: true }]);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
    expect((await user.get('/count')).body).toEqual({ n: 1 });
  });
});
