/**
 * What podsafe does to Express's request and response objects must not show:
 * while a response is held, every header setter Node has refuses as after a
 * real send; a route in a mounted sub-app (which gives the response a new
 * prototype) is held and committed like any other; a kept-alive socket that
 * carried a held response closes at once when asked to later; and the one
 * property podsafe re-adds to make property adds cheap comes back exactly as
 * it was. On Express 4 and 5.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import express5 from 'express';
import express4 from 'express4';
import type { Request, Response } from 'express';
import { session } from '@podsafe/express';
import { GatedStore } from '@podsafe/test-support/gated-store';
import { Browser } from '@podsafe/testkit';
import { makePropertyAddsCheap } from '../src/cheap-properties.js';

const SECRET = 'response-objects-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const dataOf = (req: Request) => req.session as unknown as Data;

/** Runs `attempt` and returns the error code it threw, or 'none'. */
function codeOf(attempt: () => unknown): string {
  try {
    attempt();
    return 'none';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
}

const frameworks = [
  ['express 4', express4],
  ['express 5', express5],
] as const;

describe.each(frameworks)('%s: the request and response objects', (_name, framework) => {
  const closers: Array<() => void> = [];
  afterAll(() => {
    for (const close of closers) close();
  });

  async function start() {
    const store = new GatedStore();
    const app = framework();
    app.use(session({ store, secret: SECRET }));
    /** What each header setter did while the response was held, as error codes. */
    let whileHeld: Record<string, unknown> = {};
    app.post('/setters-while-held', (req: Request, res: Response) => {
      dataOf(req).n = 1;
      res.json({ ok: true });
      whileHeld = {
        headersSent: res.headersSent,
        setHeader: codeOf(() => res.setHeader('X-Late', '1')),
        setHeaders: codeOf(() => res.setHeaders(new Map([['X-Late', '1']]))),
        appendHeader: codeOf(() => res.appendHeader('X-Late', '1')),
        removeHeader: codeOf(() => res.removeHeader('Content-Type')),
        writeHead: codeOf(() => res.writeHead(500)),
        expressSet: codeOf(() => res.set('X-Late', '1')),
      };
    });
    app.get('/setters-result', (_req, res) => res.json(whileHeld));
    const sub = framework();
    sub.post('/count', (req: Request, res: Response) => {
      dataOf(req).count = ((dataOf(req).count as number | undefined) ?? 0) + 1;
      res.json({ count: dataOf(req).count, prototypeIsTheSubApps: Object.getPrototypeOf(res) === sub.response });
    });
    app.use('/sub', sub);
    app.get('/count', (req, res) => res.json({ count: dataOf(req).count ?? null }));
    app.get('/hello', (req, res) => {
      dataOf(req).seen = true;
      res.send('hello');
    });
    // A handler that gives up on the connection without answering.
    app.get('/hang-up', (req) => req.socket.destroy());
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, store };
  }

  it("while held, every header setter refuses with Node's ERR_HTTP_HEADERS_SENT and headersSent is true; the response is sent as it was", async () => {
    const { url, store } = await start();
    const browser = new Browser(url);
    store.hold();
    const reply = browser.post('/setters-while-held');
    await store.saveReached();
    store.release();
    const sent = await reply;
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ok: true });
    expect(sent.headers.get('x-late')).toBeNull();
    expect(sent.headers.get('content-type')).toMatch(/^application\/json/);
    expect(sent.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
    expect((await browser.get('/setters-result')).body).toEqual({
      headersSent: true,
      setHeader: 'ERR_HTTP_HEADERS_SENT',
      setHeaders: 'ERR_HTTP_HEADERS_SENT',
      appendHeader: 'ERR_HTTP_HEADERS_SENT',
      removeHeader: 'ERR_HTTP_HEADERS_SENT',
      writeHead: 'ERR_HTTP_HEADERS_SENT',
      expressSet: 'ERR_HTTP_HEADERS_SENT',
    });
  });

  it("a route in a mounted sub-app (which gives the response the sub-app's prototype) is committed before it is sent", async () => {
    const { url, store } = await start();
    const browser = new Browser(url);
    const first = await browser.post('/sub/count');
    expect(first.body).toEqual({ count: 1, prototypeIsTheSubApps: true });
    expect(first.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
    // Held while the store is slow: nothing reaches the client before the save.
    store.hold();
    let answered = false;
    const second = browser.post('/sub/count').then((reply) => {
      answered = true;
      return reply;
    });
    await store.saveReached();
    expect(answered).toBe(false);
    store.release();
    expect((await second).body).toEqual({ count: 2, prototypeIsTheSubApps: true });
    expect((await browser.get('/count')).body).toEqual({ count: 2 });
  });

  it('a kept-alive socket that carried a held response closes at once when a later handler destroys it', async () => {
    const { url } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string) =>
      new Promise<{ status: number; port: number }>((resolve, reject) => {
        const req = httpRequest(`${url}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, port: req.socket!.localPort! }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const first = await send('/hello');
      const second = await send('/hello');
      expect(first.status).toBe(200);
      // The same connection both times: the socket was guarded and released once already.
      expect(second.port).toBe(first.port);
      await expect(send('/hang-up')).rejects.toThrow(/socket hang up|ECONNRESET/);
    } finally {
      agent.destroy();
    }
  });
});

describe('makePropertyAddsCheap', () => {
  it('re-adds the property with its value and attributes', () => {
    const object: Record<string, unknown> = { first: 1, kept: 'value', last: 3 };
    Object.defineProperty(object, 'hidden', { value: 'h', writable: false, enumerable: false, configurable: true });
    makePropertyAddsCheap(object, 'kept');
    makePropertyAddsCheap(object, 'hidden');
    expect(object.kept).toBe('value');
    expect(Object.getOwnPropertyDescriptor(object, 'kept')).toEqual({
      value: 'value',
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(Object.getOwnPropertyDescriptor(object, 'hidden')).toEqual({
      value: 'h',
      writable: false,
      enumerable: false,
      configurable: true,
    });
    expect(Object.keys(object).sort()).toEqual(['first', 'kept', 'last']);
  });

  it('leaves alone a property that is missing, inherited, an accessor or not configurable', () => {
    let reads = 0;
    const parent = { inherited: 1 };
    const object = Object.create(parent) as Record<string, unknown>;
    Object.defineProperty(object, 'accessor', { get: () => ++reads, enumerable: true, configurable: true });
    Object.defineProperty(object, 'fixed', { value: 'f', writable: true, enumerable: true, configurable: false });
    for (const key of ['missing', 'inherited', 'accessor', 'fixed']) makePropertyAddsCheap(object, key);
    expect(Object.hasOwn(object, 'missing')).toBe(false);
    expect(Object.hasOwn(object, 'inherited')).toBe(false);
    expect(reads).toBe(0);
    expect(typeof Object.getOwnPropertyDescriptor(object, 'accessor')?.get).toBe('function');
    expect(Object.getOwnPropertyDescriptor(object, 'fixed')).toEqual({ value: 'f', writable: true, enumerable: true, configurable: false });
  });
});
