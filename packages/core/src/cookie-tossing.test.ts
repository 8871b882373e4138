import { describe, expect, it } from 'vitest';
import { MAX_SESSION_COOKIES, readCookies } from './cookie-jar.js';
import { SessionEngine } from './engine.js';
import { MemoryStore } from './memory-store.js';
import { Keyring } from './signing.js';

/**
 * Several cookies of the session's name in one request: a sibling subdomain
 * can set `sid` for the parent domain, and the browser then sends both.
 */
const SECRET = 'cookie-tossing-secret-0123456789abcdef';
type Data = Record<string, unknown>;

async function setup() {
  const store = new MemoryStore();
  const engine = new SessionEngine({ store, secret: SECRET });
  const request = (cookieHeader: string | undefined) => engine.load({ cookieHeader, secure: false });
  const signIn = async (user: string) => {
    const context = await request(undefined);
    (context.session as unknown as Data).user = user;
    return { id: context.session.id, value: (await engine.commit(context))!.split(';')[0]!.slice('sid='.length) };
  };
  return { store, engine, request, signIn, keyring: new Keyring(SECRET) };
}

describe('cookie tossing', () => {
  it('a tossed cookie that does not verify, sent first, does not hide the real session', async () => {
    const { request, signIn, engine } = await setup();
    const alice = await signIn('alice');
    const context = await request(`sid=tossed.by-a-sibling; theme=dark; sid=${alice.value}`);
    expect(context.session.id).toBe(alice.id);
    expect((context.session as unknown as Data).user).toBe('alice');
    // Nothing changed: no cookie, so neither the real nor the tossed one is cleared.
    expect(await engine.commit(context)).toBeUndefined();
  });

  it('a validly signed cookie of a session that is gone gives way to a live one', async () => {
    const { request, signIn, keyring } = await setup();
    const alice = await signIn('alice');
    const dead = keyring.sign('D'.repeat(43));
    expect((await request(`sid=${dead}; sid=${alice.value}`)).session.id).toBe(alice.id);
  });

  it('the first cookie that holds a session wins', async () => {
    const { request, signIn } = await setup();
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    expect((await request(`sid=${alice.value}; sid=${bob.value}`)).session.id).toBe(alice.id);
    expect((await request(`sid=${bob.value}; sid=${alice.value}`)).session.id).toBe(bob.id);
  });

  it(`tries at most ${MAX_SESSION_COOKIES} cookies of the name`, async () => {
    const { request, signIn } = await setup();
    const alice = await signIn('alice');
    const junk = Array.from({ length: MAX_SESSION_COOKIES }, (_, i) => `sid=junk${i}`).join('; ');
    expect((await request(`${junk}; sid=${alice.value}`)).session.isNew).toBe(true);
  });

  it('a percent-encoded copy of a valid cookie is not the session (values are read as sent)', async () => {
    const { request, signIn } = await setup();
    const alice = await signIn('alice');
    const encoded = alice.value.replace('.', '%2E');
    expect((await request(`sid=${encoded}`)).session.isNew).toBe(true);
    expect((await request(`sid=${alice.value}`)).session.id).toBe(alice.id);
  });

  it('readCookies matches the exact name, in header order, trimmed', () => {
    expect(readCookies(' a=1;sid = x ; xsid=2; sid=y;sid;  sid=', 'sid')).toEqual(['x', 'y', '']);
    expect(readCookies(undefined, 'sid')).toEqual([]);
    expect(readCookies('sid=a; sid=b', 'sid', 1)).toEqual(['a']);
  });
});
