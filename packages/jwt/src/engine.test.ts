import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { MemoryStore, type SessionOptions } from '@podsafe/core';
import { SessionEngine, type SessionContext } from '@podsafe/core/adapter';
import { JwtStore } from './jwt-store.js';

// JwtStore behind the real engine, as the Express and Fastify adapters use it.

type Data = Record<string, unknown>;
const data = (context: SessionContext) => context.session as unknown as Data;
/** `sid=<token>` from a Set-Cookie header, as the browser sends it back. */
const cookieOf = (setCookie: string | undefined) => setCookie?.split(';')[0];

const T0 = new Date('2026-01-01T00:00:00Z');
beforeEach(() => {
  // jose and the engine both read Date: fake it to move through ttl and touchAfter without waiting.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});
const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

function engine(store: JwtStore, options: Partial<SessionOptions> = {}) {
  // No engine secret: the token is its own signature.
  return new SessionEngine({ store, ...options });
}

async function login(e: SessionEngine, content: Data = { user: 'alice' }) {
  const context = await e.load({ cookieHeader: undefined, secure: false });
  Object.assign(data(context), content);
  const setCookie = await e.commit(context);
  return { id: context.session.id, cookie: cookieOf(setCookie)!, setCookie: setCookie! };
}

describe('JwtStore behind the session engine', () => {
  it('needs no engine secret, puts the session in the cookie and reads it back', async () => {
    const e = engine(new JwtStore({ secret: randomBytes(32) }));
    const { id, cookie, setCookie } = await login(e, { user: 'alice', views: 1 });
    expect(setCookie).toMatch(/^sid=ey[^;]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
    const again = await e.load({ cookieHeader: cookie, secure: false });
    expect(again.session.id).toBe(id);
    expect(again.session.isNew).toBe(false);
    expect(data(again)).toMatchObject({ user: 'alice', views: 1 });
    // Unchanged and no touch due: no new cookie.
    expect(await e.commit(again)).toBeUndefined();
  });

  it('any replica with the same secret serves the session', async () => {
    const secret = randomBytes(32);
    const { cookie } = await login(engine(new JwtStore({ secret })));
    const other = await engine(new JwtStore({ secret })).load({ cookieHeader: cookie, secure: false });
    expect(data(other)).toMatchObject({ user: 'alice' });
  });

  it('a tampered cookie gives a fresh session and is cleared, never an error', async () => {
    const e = engine(new JwtStore({ secret: randomBytes(32) }));
    const { cookie } = await login(e);
    const forged = `${cookie.slice(0, 20)}${cookie[20] === 'A' ? 'B' : 'A'}${cookie.slice(21)}`;
    const context = await e.load({ cookieHeader: forged, secure: false });
    expect(context.session.isNew).toBe(true);
    expect(await e.commit(context)).toMatch(/^sid=; Max-Age=0/);
  });

  it('a token past its exp gives a fresh session', async () => {
    const e = engine(new JwtStore({ secret: randomBytes(32) }), { ttl: 600, touchAfter: 60 });
    const { cookie } = await login(e);
    advance(601);
    expect((await e.load({ cookieHeader: cookie, secure: false })).session.isNew).toBe(true);
  });

  it('a touch after touchAfter re-issues the token with a later exp (sliding expiry)', async () => {
    const store = new JwtStore({ secret: randomBytes(32) });
    const e = engine(store, { ttl: 600, touchAfter: 60 });
    const { cookie } = await login(e);
    advance(120);
    const context = await e.load({ cookieHeader: cookie, secure: false });
    const touched = cookieOf(await e.commit(context))!;
    expect(touched).not.toBe(cookie);
    advance(550); // past the first token's exp, within the second's
    expect((await e.load({ cookieHeader: cookie, secure: false })).session.isNew).toBe(true);
    expect(data(await e.load({ cookieHeader: touched, secure: false }))).toMatchObject({ user: 'alice' });
  });

  it('secret rotation: a cookie signed with the old secret is re-issued with the new one on the next response', async () => {
    const older = randomBytes(32);
    const newer = randomBytes(32);
    const { cookie } = await login(engine(new JwtStore({ secret: older })));
    const rotated = engine(new JwtStore({ secret: [newer, older] }));
    const context = await rotated.load({ cookieHeader: cookie, secure: false });
    expect(data(context)).toMatchObject({ user: 'alice' });
    const reissued = cookieOf(await rotated.commit(context))!;
    const newKid = decodeProtectedHeader(
      await new JwtStore({ secret: newer }).encode(context.session.id, { data: {}, meta: { createdAt: 1, lastSeenAt: 1, version: 1 } }, 60),
    ).kid;
    expect(decodeProtectedHeader(reissued.slice('sid='.length)).kid).toBe(newKid);
    expect(data(await engine(new JwtStore({ secret: newer })).load({ cookieHeader: reissued, secure: false }))).toMatchObject({
      user: 'alice',
    });
  });

  it('logout with a revocation store: the old cookie is dead on every replica, even a copy kept by an attacker', async () => {
    const revocation = new MemoryStore();
    const secret = randomBytes(32);
    const e = engine(new JwtStore({ secret, revocation }));
    const { cookie } = await login(e);
    const context = await e.load({ cookieHeader: cookie, secure: false });
    await context.session.destroy();
    expect(await e.commit(context)).toMatch(/^sid=; Max-Age=0/);
    const replica = engine(new JwtStore({ secret, revocation }));
    expect((await replica.load({ cookieHeader: cookie, secure: false })).session.isNew).toBe(true);
    await revocation.close();
  });

  it('regenerate at login revokes the pre-login token (session fixation)', async () => {
    const revocation = new MemoryStore();
    const e = engine(new JwtStore({ secret: randomBytes(32), revocation }));
    const { cookie, id } = await login(e, { cart: ['book'] });
    const context = await e.load({ cookieHeader: cookie, secure: false });
    await context.session.regenerate({ keepData: true });
    data(context).user = 'alice';
    const fresh = cookieOf(await e.commit(context))!;
    expect(context.session.id).not.toBe(id);
    expect((await e.load({ cookieHeader: cookie, secure: false })).session.isNew).toBe(true);
    expect(data(await e.load({ cookieHeader: fresh, secure: false }))).toMatchObject({ cart: ['book'], user: 'alice' });
    await revocation.close();
  });

  it('logout without a revocation store: the cookie is cleared, but a copy stays valid until its exp (documented limit)', async () => {
    const e = engine(new JwtStore({ secret: randomBytes(32) }));
    const { cookie } = await login(e);
    const context = await e.load({ cookieHeader: cookie, secure: false });
    await context.session.destroy();
    expect(await e.commit(context)).toMatch(/^sid=; Max-Age=0/);
    expect((await e.load({ cookieHeader: cookie, secure: false })).session.isNew).toBe(false);
  });

  it('a session too big for a cookie fails the commit with SessionTooLargeError, before anything is sent', async () => {
    const e = engine(new JwtStore({ secret: randomBytes(32) }));
    const context = await e.load({ cookieHeader: undefined, secure: false });
    data(context).blob = randomBytes(3000).toString('hex');
    await expect(e.commit(context)).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE', limit: 3800 });
  });
});
