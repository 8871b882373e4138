import { describe, expect, it } from 'vitest';
import { MAX_EXPIRATION, MAX_RELATIVE_EXPIRATION, memcachedExpiration } from './ttl.js';

const NOW = 1_700_000_000.25;

describe('memcachedExpiration', () => {
  it('knows memcached’s limits', () => {
    expect(MAX_RELATIVE_EXPIRATION).toBe(30 * 24 * 60 * 60);
    expect(MAX_EXPIRATION).toBe(2 ** 32 - 1);
  });

  it.each([
    [1, 2],
    [2, 3],
    [60, 61],
    [86_400, 86_401],
    [MAX_RELATIVE_EXPIRATION - 1, MAX_RELATIVE_EXPIRATION],
  ])('sends a whole ttl of %d s as the relative %d (one second for the clock tick)', (ttl, sent) => {
    expect(memcachedExpiration(ttl, NOW)).toBe(sent);
  });

  it.each([
    [Number.MIN_VALUE, 2],
    [0.001, 2],
    [0.5, 2],
    [0.999_999, 2],
    [1.000_001, 3],
    [1.5, 3],
    [59.01, 61],
    [3599.9, 3601],
  ])('rounds a fractional ttl of %d s up, then adds the tick second: %d', (ttl, sent) => {
    expect(memcachedExpiration(ttl, NOW)).toBe(sent);
  });

  it.each([0, -0, -0.5, -1, -86_400, -Number.MAX_VALUE])(
    'sends 1 (gone at the next tick), never 0 ("forever"), for the spent ttl %d',
    (ttl) => {
      expect(memcachedExpiration(ttl, NOW)).toBe(1);
    },
  );

  it('never sends 0, and never less than the ttl, across a sweep of ttls', () => {
    const ttls = [1e-9, 0.1, 0.9, 1, 1.1, 2, 2.5, 29.99, 30, 3600, 86_400.4, 604_800, MAX_RELATIVE_EXPIRATION - 1.5];
    for (let ttl = 0.05; ttl < 120; ttl += 0.37) ttls.push(ttl);
    for (const ttl of ttls) {
      const sent = memcachedExpiration(ttl, NOW);
      expect(sent, `ttl ${ttl}`).toBeGreaterThan(0);
      expect(Number.isInteger(sent), `ttl ${ttl}`).toBe(true);
      expect(sent, `ttl ${ttl}`).toBeGreaterThanOrEqual(ttl + 1);
      expect(sent, `ttl ${ttl}`).toBeLessThan(ttl + 2);
      expect(sent, `ttl ${ttl}`).toBeLessThanOrEqual(MAX_RELATIVE_EXPIRATION);
    }
  });

  it('switches to an absolute unix time exactly where a relative value would pass 30 days', () => {
    // 2 591 999 s + 1 = 2 592 000: still relative, memcached's largest.
    expect(memcachedExpiration(MAX_RELATIVE_EXPIRATION - 1, NOW)).toBe(MAX_RELATIVE_EXPIRATION);
    // 2 591 999.5 s rounds to 2 592 000, + 1 would be read as a date in 1970: absolute instead.
    expect(memcachedExpiration(MAX_RELATIVE_EXPIRATION - 0.5, NOW)).toBe(Math.ceil(NOW + MAX_RELATIVE_EXPIRATION - 0.5) + 1);
    expect(memcachedExpiration(MAX_RELATIVE_EXPIRATION, NOW)).toBe(Math.ceil(NOW + MAX_RELATIVE_EXPIRATION) + 1);
  });

  it.each([
    ['30 days', MAX_RELATIVE_EXPIRATION],
    ['40 days', 40 * 86_400],
    ['a year', 365 * 86_400],
    ['40.5 days', 40.5 * 86_400 + 0.1],
  ])('sends a ttl of %s as now + ttl, rounded up, plus the tick second', (_label, ttl) => {
    const sent = memcachedExpiration(ttl, NOW);
    expect(sent).toBe(Math.ceil(NOW + ttl) + 1);
    expect(sent).toBeGreaterThan(MAX_RELATIVE_EXPIRATION);
    expect(sent).toBeGreaterThanOrEqual(NOW + ttl + 1);
    expect(sent).toBeLessThan(NOW + ttl + 2);
  });

  it('reads the clock when no time is given', () => {
    const before = Math.ceil(Date.now() / 1000 + 40 * 86_400) + 1;
    const sent = memcachedExpiration(40 * 86_400);
    const after = Math.ceil(Date.now() / 1000 + 40 * 86_400) + 1;
    expect(sent).toBeGreaterThanOrEqual(before);
    expect(sent).toBeLessThanOrEqual(after);
  });

  it('keeps an absolute time in the range memcached reads as absolute, and within the 32-bit field', () => {
    expect(memcachedExpiration(MAX_RELATIVE_EXPIRATION, 0)).toBe(MAX_RELATIVE_EXPIRATION + 1);
    expect(memcachedExpiration(MAX_RELATIVE_EXPIRATION, -1e6)).toBe(MAX_RELATIVE_EXPIRATION + 1);
    expect(memcachedExpiration(200 * 365 * 86_400, NOW)).toBe(MAX_EXPIRATION);
    expect(memcachedExpiration(Number.MAX_VALUE, NOW)).toBe(MAX_EXPIRATION);
  });

  it.each([NaN, Infinity, -Infinity, '60', null, undefined])('refuses the ttl %s with a RangeError rather than guess', (ttl) => {
    expect(() => memcachedExpiration(ttl as number, NOW)).toThrow(RangeError);
  });

  it.each([NaN, Infinity])('refuses a current time of %s', (now) => {
    expect(() => memcachedExpiration(60, now)).toThrow(RangeError);
  });
});
