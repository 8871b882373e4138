import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, SessionStoreUnavailableError, type SessionChange, type SessionRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';

const record = (): SessionRecord => {
  const now = nowSeconds();
  return { data: { user: 'alice' }, meta: { createdAt: now, lastSeenAt: now, version: 1 } };
};

/** A MemoryStore that records what JwtStore asks of it. */
class RecordingStore extends MemoryStore {
  saves: Array<{ id: string; change: SessionChange; ttl: number }> = [];
  gets = 0;
  closed = false;
  override async save(id: string, change: SessionChange, ttl: number) {
    this.saves.push({ id, change, ttl });
    return super.save(id, change, ttl);
  }
  override async get(id: string) {
    this.gets++;
    return super.get(id);
  }
  override async close() {
    this.closed = true;
    return super.close();
  }
}

const opened: MemoryStore[] = [];
function revocationStore(): RecordingStore {
  const store = new RecordingStore();
  opened.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

describe('revocation', () => {
  it('destroy records the revoked id until the token would expire anyway, and decode refuses it on every replica', async () => {
    const revocation = revocationStore();
    const secret = randomBytes(32);
    const replicaA = new JwtStore({ secret, revocation });
    const replicaB = new JwtStore({ secret, revocation });
    const id = generateSessionId();
    const token = await replicaA.encode(id, record(), 600);
    const decoded = await replicaB.decode(token);
    expect(decoded).not.toBeNull();

    await replicaA.destroy(id, decoded!.expiresAt);
    expect(revocation.saves).toHaveLength(1);
    const [{ id: revokedId, change, ttl }] = revocation.saves as [(typeof revocation.saves)[0]];
    expect(revokedId).toBe(id);
    expect(change).toMatchObject({ isNew: true, data: { revoked: true } });
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(601);
    // B verified (and cached) this token before: the revocation list is still read on every decode.
    expect(await replicaB.decode(token)).toBeNull();
    expect(await replicaA.decode(token)).toBeNull();
  });

  it('an id whose tokens have all expired is not written to the revocation store', async () => {
    const revocation = revocationStore();
    const store = new JwtStore({ secret: randomBytes(32), revocation });
    await store.destroy(generateSessionId(), nowSeconds() - 1);
    expect(revocation.saves).toHaveLength(0);
  });

  it('fails closed: when the revocation store is down, decode rejects with its error (the adapter answers 503) instead of skipping the check', async () => {
    const revocation = revocationStore();
    const store = new JwtStore({ secret: randomBytes(32), revocation });
    const token = await store.encode(generateSessionId(), record(), 600);
    const down = new SessionStoreUnavailableError('connection refused');
    vi.spyOn(revocation, 'get').mockRejectedValue(down);
    await expect(store.decode(token)).rejects.toBe(down);
    // Bad tokens still give null without asking the revocation store.
    await expect(store.decode('garbage')).resolves.toBeNull();
  });

  it('ping asks the revocation store; close leaves it open (the app owns it)', async () => {
    const revocation = revocationStore();
    const ping = vi.spyOn(revocation, 'ping');
    const store = new JwtStore({ secret: randomBytes(32), revocation });
    await store.ping();
    expect(ping).toHaveBeenCalledOnce();
    await store.close();
    expect(revocation.closed).toBe(false);
  });

  it('ping falls back to a lookup when the revocation store has no ping()', async () => {
    const revocation = revocationStore();
    Object.defineProperty(revocation, 'ping', { value: undefined });
    const store = new JwtStore({ secret: randomBytes(32), revocation });
    await store.ping();
    expect(revocation.gets).toBe(1);
  });

  it('ping rejects when the revocation store is down', async () => {
    const revocation = revocationStore();
    vi.spyOn(revocation, 'ping').mockRejectedValue(new SessionStoreUnavailableError('timeout'));
    const store = new JwtStore({ secret: randomBytes(32), revocation });
    await expect(store.ping()).rejects.toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
  });
});

describe('without a revocation store', () => {
  it('destroy is a no-op: a copy of the token stays valid until its exp (the engine still clears the cookie)', async () => {
    const store = new JwtStore({ secret: randomBytes(32) });
    expect(store.revocable).toBe(false);
    const id = generateSessionId();
    const token = await store.encode(id, record(), 600);
    await store.destroy(id, nowSeconds() + 600);
    expect(await store.decode(token)).not.toBeNull();
  });

  it('ping resolves: nothing to depend on', async () => {
    await expect(new JwtStore({ secret: randomBytes(32) }).ping()).resolves.toBeUndefined();
  });
});
