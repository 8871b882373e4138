/**
 * What the app does to the response while the commit is pending (its first
 * write/end is held until the session is stored) must reach the client as it
 * would without podsafe: headers given to writeHead, backpressure on
 * write(), and session changes that came too late to be saved are reported,
 * never silently dropped. On Express 4 and 5.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import express5 from 'express';
import express4 from 'express4';
import type { Request } from 'express';
import type { SessionEvent } from '@podsafe/core';
import { session } from '@podsafe/express';
import { GatedStore } from '@podsafe/test-support/gated-store';
import { Browser } from '@podsafe/testkit';

const SECRET = 'held-response-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const dataOf = (req: Request) => req.session as unknown as Data;

const MiB = 1024 * 1024;
const TOTAL = 200 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** 200 MB generated on demand (nothing on disk), counting what it has produced. */
class Generated extends Readable {
  produced = 0;
  override _read(): void {
    if (this.produced >= TOTAL) {
      this.push(null);
      return;
    }
    this.produced += CHUNK.length;
    this.push(CHUNK);
  }
}

/** GETs `url` and counts the body's bytes without keeping them. */
function download(url: string, cookie?: string): Promise<{ status: number; setCookies: string[]; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: cookie ? { cookie } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        resolve({ status: res.statusCode!, setCookies: (res.headers['set-cookie'] as string[] | undefined) ?? [], bytes }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const frameworks = [
  ['express 4', express4],
  ['express 5', express5],
] as const;

describe.each(frameworks)('%s: the held response', (_name, framework) => {
  const closers: Array<() => void> = [];
  afterAll(() => {
    for (const close of closers) close();
  });
  afterEach(() => vi.restoreAllMocks());

  async function start() {
    const store = new GatedStore();
    const events: SessionEvent[] = [];
    const sources: Generated[] = [];
    const app = framework();
    app.use(session({ store, secret: SECRET, onEvent: (event) => events.push(event) }));
    app.get('/writehead-object', (req, res) => {
      dataOf(req).n = 1;
      res.writeHead(200, { 'Set-Cookie': 'theme=dark', 'Content-Type': 'text/plain' });
      res.end('ok');
    });
    app.get('/writehead-array', (req, res) => {
      dataOf(req).n = 1;
      res.setHeader('X-Replaced', 'old');
      res.writeHead(201, 'Made Here', ['Set-Cookie', 'theme=dark', 'Set-Cookie', 'lang=en', 'X-Replaced', 'new']);
      res.end('ok');
    });
    app.get('/write-result', (req, res) => {
      dataOf(req).n = 1;
      if (res.write('held,')) res.end('write returned true');
      else res.once('drain', () => res.end('drained'));
    });
    app.get('/big', (req, res) => {
      dataOf(req).n = 1;
      const source = new Generated();
      sources.push(source);
      res.setHeader('Content-Type', 'application/octet-stream');
      source.pipe(res);
    });
    app.post('/late-stream', (req, res) => {
      dataOf(req).early = true;
      res.write('started,', () => {
        // The commit is done: this change can no longer be saved.
        dataOf(req).late = true;
        res.end('ended');
      });
    });
    app.post('/late-after-end', async (req, res) => {
      dataOf(req).early = true;
      res.json({ ok: true });
      await store.saveReached();
      dataOf(req).late = true;
    });
    app.post('/in-time', (req, res) => {
      res.json({ ok: true });
      // Synchronously after end(): still part of the commit.
      dataOf(req).inTime = true;
    });
    app.get('/data', (req, res) => res.json({ ...dataOf(req) }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, store, events, sources };
  }

  it('writeHead with a Set-Cookie object keeps the session cookie beside the app one', async () => {
    const { url } = await start();
    const reply = await new Browser(url).get('/writehead-object');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('ok');
    expect(reply.setCookies.map((c) => c.split('=')[0]).sort()).toEqual(['sid', 'theme']);
    expect(reply.headers.get('content-type')).toBe('text/plain');
  });

  it('writeHead with a raw headers array: status, reason, every cookie, and its headers override earlier ones', async () => {
    const { url } = await start();
    const reply = await fetch(`${url}/writehead-array`);
    expect(reply.status).toBe(201);
    expect(reply.statusText).toBe('Made Here');
    expect(
      reply.headers
        .getSetCookie()
        .map((c) => c.split('=')[0])
        .sort(),
    ).toEqual(['lang', 'sid', 'theme']);
    expect(reply.headers.get('x-replaced')).toBe('new');
  });

  it("write() answers false while the commit is pending, and 'drain' follows once it is sent", async () => {
    const { url } = await start();
    const reply = await new Browser(url).get('/write-result');
    expect(reply.body).toBe('held,drained');
    expect(reply.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
  });

  it('a 200 MB stream piped while a slow store holds the commit is not buffered: the source pauses, then all of it arrives', async () => {
    const { url, store, sources } = await start();
    store.hold();
    const pending = download(`${url}/big`);
    await store.saveReached();
    const source = sources[0]!;
    // Paused by pipe() (write() said false), or, without backpressure, read to its end into memory.
    if (!source.isPaused() && !source.readableEnded) {
      await new Promise((resolve) => {
        source.once('pause', resolve);
        source.once('end', resolve);
      });
    }
    expect(source.readableEnded).toBe(false);
    expect(source.produced).toBeLessThanOrEqual(MiB);
    store.release();
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(reply.bytes).toBe(TOTAL);
    expect(reply.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
  });

  describe('session changes made after the commit', () => {
    it("are reported: a 'late-change' event per request, one warning per route", async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { url, events } = await start();
      const user = new Browser(url);
      await user.post('/late-stream');
      await user.post('/late-stream');
      await user.post('/in-time');
      const late = events.filter((e) => e.type === 'late-change');
      expect(late).toEqual([
        { type: 'late-change', route: 'POST /late-stream' },
        { type: 'late-change', route: 'POST /late-stream' },
      ]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/POST \/late-stream.*not saved/);
      // Saved: what came before the first byte, and what came synchronously after end(). Not: the late change.
      expect((await user.get('/data')).body).toEqual({ early: true, inTime: true });
    });

    it('made while the commit of an ended response is pending, are reported too', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { url, events, store } = await start();
      store.hold();
      const user = new Browser(url);
      const pending = user.post('/late-after-end');
      await store.saveReached();
      // Let the handler make its change (it awaited the same promise) before the commit ends.
      await Promise.resolve();
      store.release();
      expect((await pending).body).toEqual({ ok: true });
      expect(events.filter((e) => e.type === 'late-change')).toEqual([{ type: 'late-change', route: 'POST /late-after-end' }]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect((await user.get('/data')).body).toEqual({ early: true });
    });
  });
});
