import { generateSessionId } from '@podsafe/core/store';
import { BAD_IDS } from '@podsafe/testkit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX, MAX_KEY_BYTES, MAX_PREFIX_BYTES, SEEN_SUFFIX, assertPrefix, routingKey, seenKey, sessionKey } from './keys.js';

describe('session keys', () => {
  it('are prefix + id, with the :seen companion beside them', () => {
    const id = generateSessionId();
    expect(sessionKey('app:', id)).toBe(`app:${id}`);
    expect(seenKey(`app:${id}`)).toBe(`app:${id}${SEEN_SUFFIX}`);
  });

  it('route a session and its companion alike, and nothing else changes', () => {
    const key = sessionKey(DEFAULT_PREFIX, generateSessionId());
    expect(routingKey(seenKey(key))).toBe(key);
    expect(routingKey(key)).toBe(key);
  });

  it('leave room for the longest storable id under the longest prefix', () => {
    expect(MAX_PREFIX_BYTES).toBe(250 - 128 - SEEN_SUFFIX.length);
    const key = sessionKey('p'.repeat(MAX_PREFIX_BYTES), 'i'.repeat(128));
    expect(Buffer.byteLength(seenKey(key))).toBe(MAX_KEY_BYTES);
  });

  it.each(BAD_IDS.map((id) => [JSON.stringify(id)?.slice(0, 30) ?? String(id), id]))('refuse the malformed id %s', (_label, id) => {
    expect(() => sessionKey(DEFAULT_PREFIX, id)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SESSION_ID' }));
  });

  it('refuse, after the id check, a key over 250 bytes, however it came about', () => {
    // Only reachable with a prefix the constructor would refuse, or if core ever accepts longer ids.
    expect(() => sessionKey('p'.repeat(200), 'i'.repeat(64))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SESSION_ID' }));
    expect(() => sessionKey('p'.repeat(MAX_PREFIX_BYTES + 1), 'i'.repeat(128))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SESSION_ID' }),
    );
  });
});

describe('assertPrefix', () => {
  it.each(['podsafe:sess:', 'a', 'my-app/sess|v2:', 'p'.repeat(MAX_PREFIX_BYTES)])('accepts %j', (prefix) => {
    expect(() => assertPrefix(prefix)).not.toThrow();
  });

  it.each([
    ['', /non-empty/],
    ['has space:', /space/],
    ['tab\t:', /space, a control/],
    ['new\nline:', /control/],
    ['nul\u0000:', /control/],
    ['zoë:', /non-ASCII/],
    ['p'.repeat(MAX_PREFIX_BYTES + 1), /at most 117/],
    [42, /non-empty string/],
    [null, /non-empty string/],
  ])('refuses %j with a SessionConfigError saying why', (prefix, why) => {
    expect(() => assertPrefix(prefix)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_CONFIG', message: expect.stringMatching(why) }),
    );
  });
});
