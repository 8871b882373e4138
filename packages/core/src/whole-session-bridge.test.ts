/**
 * The drop-in bridge's touch: express-session and @fastify/session call
 * `touch` after every request that changed nothing. Like podsafe's own
 * middleware, the bridge slides the expiry at most once per `touchAfter`
 * (capped at a tenth of the session's ttl), so an unchanged request costs one
 * store read, not a read and a write; `touchAfter: 0` touches every time.
 * What it decides on is the last-seen time of the record as this process last
 * read, wrote or touched it.
 */
import { describe, expect, it } from 'vitest';
import { SessionConfigError } from './errors.js';
import { nowSeconds } from './expiry.js';
import { MemoryStore } from './memory-store.js';
import { WholeSessionBridge, type WholeSessionBridgeOptions } from './whole-session-bridge.js';

/** A MemoryStore that counts the touches that reach it. */
class CountingStore extends MemoryStore {
  touches = 0;
  override touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    this.touches++;
    return super.touch(id, lastSeenAt, ttl);
  }
}

const ID = 'T'.repeat(43);
/** An express-session session whose cookie expires in `seconds`. */
const sessionFor = (seconds: number) => ({ user: 'ann', cookie: { originalMaxAge: seconds * 1000, expires: null } });

/** A bridge over a counting store holding one session, last stored `ago` seconds ago with `ttl`. */
async function setup(ago: number, ttl = 86_400, options: Partial<WholeSessionBridgeOptions> = {}) {
  const store = new CountingStore();
  const at = nowSeconds() - ago;
  await store.save(
    ID,
    { isNew: true, set: { user: 'ann' }, unset: [], data: { user: 'ann' }, meta: { createdAt: at, lastSeenAt: at } },
    ttl,
  );
  return { store, bridge: new WholeSessionBridge({ store, ...options }, 'test', '') };
}

describe('WholeSessionBridge touch', () => {
  it('a read then a touch soon after the session was stored costs no store touch, and answers true', async () => {
    const { store, bridge } = await setup(5);
    expect(await bridge.get(ID)).toEqual({ user: 'ann' });
    expect(await bridge.touch(ID, sessionFor(86_400))).toBe(true);
    expect(store.touches).toBe(0);
  });

  it('touches the store once touchAfter has passed since the session was last stored or touched', async () => {
    const { store, bridge } = await setup(3601);
    await bridge.get(ID);
    expect(await bridge.touch(ID, sessionFor(86_400))).toBe(true);
    expect(store.touches).toBe(1);
    // The store now has the new lastSeenAt: the next request's touch is skipped.
    await bridge.get(ID);
    await bridge.touch(ID, sessionFor(86_400));
    expect(store.touches).toBe(1);
  });

  it('caps touchAfter at a tenth of the session ttl, so a short-lived session in use cannot expire', async () => {
    const { store, bridge } = await setup(7, 60);
    await bridge.get(ID);
    await bridge.touch(ID, sessionFor(60));
    expect(store.touches).toBe(1);
  });

  it('touchAfter: 0 touches on every unchanged request', async () => {
    const { store, bridge } = await setup(0, 86_400, { touchAfter: 0 });
    for (let i = 0; i < 3; i++) {
      await bridge.get(ID);
      await bridge.touch(ID, sessionFor(86_400));
    }
    expect(store.touches).toBe(3);
  });

  it('a touch of a session this process has not seen goes to the store, which answers false for a missing one', async () => {
    const { store, bridge } = await setup(5);
    await store.destroy(ID);
    expect(await bridge.touch(ID, sessionFor(86_400))).toBe(false);
    expect(store.touches).toBe(1);
  });

  it('many requests of one session at once: one touch reaches the store, not one per request', async () => {
    const { store, bridge } = await setup(3601);
    await Promise.all(Array.from({ length: 20 }, () => bridge.get(ID)));
    await bridge.touch(ID, sessionFor(86_400));
    await Promise.all(Array.from({ length: 19 }, () => bridge.touch(ID, sessionFor(86_400))));
    expect(store.touches).toBe(1);
  });

  it('a write counts as a touch; after a destroy the next touch asks the store again', async () => {
    const { store, bridge } = await setup(3601);
    await bridge.set(ID, sessionFor(86_400));
    expect(await bridge.touch(ID, sessionFor(86_400))).toBe(true);
    expect(store.touches).toBe(0);
    await bridge.destroy(ID);
    expect(await bridge.touch(ID, sessionFor(86_400))).toBe(false);
    expect(store.touches).toBe(1);
  });

  it('after forgetSeen (the store was cleared behind it) the next touch asks the store again', async () => {
    const { store, bridge } = await setup(5);
    await bridge.get(ID);
    await store.clear();
    bridge.forgetSeen();
    expect(await bridge.touch(ID, sessionFor(86_400))).toBe(false);
    expect(store.touches).toBe(1);
  });

  it('refuses a touchAfter that is not a number of seconds', () => {
    for (const touchAfter of [-1, '60', Number.NaN]) {
      expect(() => new WholeSessionBridge({ store: new MemoryStore(), touchAfter: touchAfter as number }, 'test', '')).toThrow(
        SessionConfigError,
      );
    }
  });
});
