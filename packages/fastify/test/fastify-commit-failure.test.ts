/**
 * A commit that fails in Fastify's onSend turns the reply into a 503: the
 * payload the handler prepared is discarded (a stream payload is destroyed,
 * so its file descriptor is not leaked) and so are its headers (a 503 must
 * not carry the discarded reply's Location, caching or custom headers; it
 * carries Retry-After). The store here is too slow: its saves are held past
 * `storeTimeout`.
 */
import { once } from 'node:events';
import { createReadStream, mkdtempSync, rmSync, writeFileSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podsafe } from '@podsafe/fastify';
import { GatedStore } from '@podsafe/test-support/gated-store';
import { Browser } from '@podsafe/testkit';

type Data = Record<string, unknown>;
const SECRET = 'fastify-commit-failure-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'podsafe-fastify-'));
const file = join(dir, 'payload.txt');
writeFileSync(file, 'a file the reply was going to stream\n'.repeat(1000));

describe('fastify: a failed commit', () => {
  const store = new GatedStore();
  const streams: ReadStream[] = [];
  const app = Fastify({ logger: false, forceCloseConnections: true });
  let url: string;
  beforeAll(async () => {
    url = await start();
    store.hold();
  });
  afterAll(async () => {
    store.release();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    await app.register(podsafe, { store, secret: SECRET, storeTimeout: 0.2 });
    app.get('/file', async (request, reply) => {
      (request.session as unknown as Data).n = 1;
      const stream = createReadStream(file);
      streams.push(stream);
      return reply.header('x-custom', 'yes').type('text/plain').send(stream);
    });
    app.get('/redirect', async (request, reply) => {
      (request.session as unknown as Data).n = 1;
      reply.header('x-custom', 'yes').header('cache-control', 'public, max-age=600');
      return reply.redirect('/elsewhere', 302);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  it('destroys a stream payload (its file is closed) and answers 503 without the handler headers', async () => {
    const reply = await new Browser(url).get('/file');
    expect(reply.status).toBe(503);
    const stream = streams[0]!;
    expect(stream.destroyed).toBe(true);
    if (!stream.closed) await once(stream, 'close');
    expect(stream.closed).toBe(true);
    expect(reply.headers.get('retry-after')).toBe('2');
    expect(reply.headers.get('x-custom')).toBeNull();
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('a redirect becomes a 503 with Retry-After and none of the discarded reply headers', async () => {
    const reply = await new Browser(url).get('/redirect');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('2');
    expect(reply.headers.get('location')).toBeNull();
    expect(reply.headers.get('cache-control')).toBeNull();
    expect(reply.headers.get('x-custom')).toBeNull();
    expect(reply.setCookies).toEqual([]);
  });
});
