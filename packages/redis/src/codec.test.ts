import { describe, expect, it } from 'vitest';
import { create, update } from '@podsafe/testkit';
import { decodeRecord, saveArgs, ttlMillis } from './codec.js';
import { idFromKey, keyPattern } from './keys.js';

const meta = { 'm:c': '100.5', 'm:l': '200.25', 'm:v': '3' };

describe('codec', () => {
  it('lays out the save script arguments: flags, ttl, meta, set pairs, then removed fields', () => {
    const change = update({ a: 1, b: 2 }, { a: { x: [1] }, c: 'z' }, ['b'], 100.5);
    const args = saveArgs(change, 1.5);
    expect(args.slice(0, 4)).toEqual(['0', '1500', '100.5', String(change.meta.lastSeenAt)]);
    // The lifetime was not changed: its field is left alone.
    expect(args.slice(4)).toEqual(['2', 'd:a', '{"x":[1]}', 'd:c', '"z"', 'd:b']);
    // Cleared by this change: its field is removed too.
    expect(saveArgs({ ...change, lifetimeChanged: true }, 1.5).slice(4)).toEqual(['2', 'd:a', '{"x":[1]}', 'd:c', '"z"', 'd:b', 'm:t']);
  });

  it("writes a session's own lifetime as one meta field, and reads it back", () => {
    const change = update({ a: 1 }, {}, [], 100.5);
    change.meta.lifetime = { ttl: 2_592_000, persistent: false };
    expect(saveArgs(change, 60).slice(4)).toEqual(['1', 'm:t', '{"ttl":2592000,"persistent":false}']);
    expect(decodeRecord({ ...meta, 'm:t': '{"ttl":60}' })?.meta.lifetime).toEqual({ ttl: 60 });
    expect(decodeRecord({ ...meta, 'm:t': '{"ttl":-1}' })).toBeNull();
  });

  it('writes the whole data of a new session, whatever set says', () => {
    const change = { ...create({ a: 1, b: 2 }, 10), set: { a: 1 } };
    expect(saveArgs(change, 60).slice(0, 2)).toEqual(['1', '60000']);
    expect(saveArgs(change, 60).slice(4)).toEqual(['2', 'd:a', '1', 'd:b', '2']);
  });

  it('never asks PEXPIRE for 0 ms (that would delete the key), and refuses a TTL that is not a number', () => {
    expect(ttlMillis(0)).toBe(1);
    expect(ttlMillis(0.0001)).toBe(1);
    expect(ttlMillis(86_400)).toBe(86_400_000);
    expect(() => ttlMillis(Number.NaN)).toThrow(RangeError);
    expect(() => ttlMillis(Number.POSITIVE_INFINITY)).toThrow(/finite number of seconds/);
  });

  it('decodes a record and ignores fields it does not know', () => {
    expect(decodeRecord({ ...meta, 'd:a': '1', 'd:': '"empty key"', 'x:future': 'ignored' })).toEqual({
      data: { a: 1, '': 'empty key' },
      meta: { createdAt: 100.5, lastSeenAt: 200.25, version: 3 },
    });
  });

  it.each<[string, Record<string, string>]>([
    ['empty (no key)', {}],
    ['bad JSON', { ...meta, 'd:a': '{' }],
    ['no version', { 'm:c': '1', 'm:l': '1' }],
    ['version 0', { ...meta, 'm:v': '0' }],
    ['a fractional version', { ...meta, 'm:v': '2.5' }],
    ['a hex version', { ...meta, 'm:v': '0x10' }],
    ['a createdAt of " 1"', { ...meta, 'm:c': ' 1' }],
    ['an infinite lastSeenAt', { ...meta, 'm:l': 'Infinity' }],
    ['lastSeenAt before createdAt', { ...meta, 'm:l': '1' }],
  ])('decodes %s as null', (_label, hash) => {
    expect(decodeRecord(hash)).toBeNull();
  });
});

describe('keys', () => {
  it('escapes glob characters of the prefix in the SCAN pattern', () => {
    expect(keyPattern('app:sess:')).toBe('app:sess:*');
    expect(keyPattern('a*b?[c]\\:')).toBe('a\\*b\\?\\[c\\]\\\\:*');
  });

  it('takes an id out of a key only when the rest of the key is a session id', () => {
    const id = 'A'.repeat(43);
    expect(idFromKey('p:', `p:${id}`)).toBe(id);
    expect(idFromKey('p:', `p:v2:${id}`)).toBeUndefined();
    expect(idFromKey('p:', `q:${id}`)).toBeUndefined();
    expect(idFromKey('p:', 'p:short')).toBeUndefined();
  });
});
