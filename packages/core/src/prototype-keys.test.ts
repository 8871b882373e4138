import { describe, expect, it } from 'vitest';
import { diff, snapshot } from './changes.js';
import { SessionEngine } from './engine.js';
import { MemoryStore } from './memory-store.js';
import type { Session } from './session.js';
import { Keyring } from './signing.js';
import { WholeSessionBridge } from './whole-session-bridge.js';

const SECRET = 'prototype-keys-secret-0123456789abcdef';
type Loose = Record<string, unknown>;
const meta = { createdAt: Date.now() / 1000, lastSeenAt: Date.now() / 1000, version: 1 };

function expectIntact(session: Session) {
  expect((session as unknown as Loose).isAdmin).toBeUndefined();
  expect(typeof session.regenerate).toBe('function');
  expect(typeof session.id).toBe('string');
  expect(({} as Loose).isAdmin).toBeUndefined();
}

describe('prototype keys in session data', () => {
  const store = new MemoryStore();
  const engine = new SessionEngine({ store, secret: SECRET });
  const keyring = new Keyring(SECRET);
  const load = (id: string) => engine.load({ cookieHeader: `sid=${keyring.sign(id)}`, secure: false });

  it('a stored "__proto__" key never becomes the prototype; "constructor" stays plain data', async () => {
    const id = 'A'.repeat(43);
    const text = `{"data":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},"user":"eve"},"meta":${JSON.stringify(meta)}}`;
    store.putRaw(id, text, 600);
    const context = await load(id);
    expect(context.isNew).toBe(false);
    expectIntact(context.session);
    expect({ ...context.session }).toEqual({ user: 'eve', constructor: { prototype: { isAdmin: true } } });
    expect(Object.keys(context.session)).not.toContain('__proto__');
  });

  it('Object.assign(session, body) with a "__proto__" key changes neither the prototype nor the stored data', async () => {
    const context = await engine.load({ cookieHeader: undefined, secure: false });
    Object.assign(context.session, JSON.parse('{"__proto__":{"isAdmin":true,"regenerate":null},"theme":"dark"}'));
    expectIntact(context.session);
    await engine.commit(context);
    expect((await store.get(context.session.id))?.data).toEqual({ theme: 'dark' });
  });

  it('the drop-in bridge hands whole-session libraries no "__proto__" key (they copy keys by assignment)', async () => {
    const id = 'B'.repeat(43);
    store.putRaw(id, `{"data":{"__proto__":{"isAdmin":true},"user":"eve"},"meta":${JSON.stringify(meta)}}`, 600);
    const data = await new WholeSessionBridge({ store }, 'test', '').get<Loose>(id);
    expect(Object.keys(data!)).toEqual(['user']);
    const copy: Loose = {};
    for (const key in data) copy[key] = data[key];
    expect(copy.isAdmin).toBeUndefined();
  });

  it('diff never assigns through a "__proto__" key', () => {
    const data = JSON.parse('{"__proto__":{"isAdmin":true},"a":1}') as Loose;
    const changes = diff(snapshot({}), data);
    expect(Object.getPrototypeOf(changes.data)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(changes.set)).toBe(Object.prototype);
    expect(changes.data).toEqual({ a: 1 });
    expect([...changes.snapshot.keys()]).toEqual(['a']);
  });
});
