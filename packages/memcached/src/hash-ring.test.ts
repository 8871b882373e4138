import { describe, expect, it } from 'vitest';
import { murmur3 } from './hash.js';
import { HashRing } from './hash-ring.js';

const keys = Array.from({ length: 20_000 }, (_, i) => `podsafe:sess:${i.toString(36)}-${(i * 7919).toString(16)}`);
const nodes = ['cache-0.cache:11211', 'cache-1.cache:11211', 'cache-2.cache:11211'];

function share(ring: HashRing): Map<string, number> {
  const counts = new Map<string, number>(ring.nodes.map((node) => [node, 0]));
  for (const key of keys) counts.set(ring.nodeFor(key), counts.get(ring.nodeFor(key))! + 1);
  return counts;
}

function kept(before: HashRing, after: HashRing): number {
  return keys.filter((key) => before.nodeFor(key) === after.nodeFor(key)).length / keys.length;
}

describe('murmur3', () => {
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['hello', 0, 0x248bfa47],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['ab', 0x9747b28c, 0x74875592],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
  ])('matches the reference MurmurHash3_x86_32 for %j (seed %d)', (text, seed, expected) => {
    expect(murmur3(text, seed)).toBe(expected);
  });

  it('hashes UTF-8 bytes to unsigned 32-bit integers', () => {
    for (const text of ['Zoë', '山田', '🔐', 'x'.repeat(1000)]) {
      const hash = murmur3(text);
      expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true);
    }
  });
});

describe('HashRing', () => {
  it('places a key on the same node every time, on every ring built from the same nodes', () => {
    const a = new HashRing(nodes);
    const b = new HashRing(nodes);
    for (const key of keys.slice(0, 500)) expect(a.nodeFor(key)).toBe(b.nodeFor(key));
  });

  it('places keys by node name, not by the order of the list', () => {
    const a = new HashRing(nodes);
    const b = new HashRing([...nodes].reverse());
    for (const key of keys.slice(0, 2000)) expect(a.nodeFor(key)).toBe(b.nodeFor(key));
    // indexOf answers in the ring's own list order, which is what memjs indexes.
    expect(b.nodes[b.indexOf(keys[0]!)]).toBe(a.nodeFor(keys[0]!));
  });

  it('gives every node a fair share of keys', () => {
    const counts = share(new HashRing(nodes));
    for (const [node, count] of counts) {
      expect(count / keys.length, node).toBeGreaterThan(0.25);
      expect(count / keys.length, node).toBeLessThan(0.42);
    }
  });

  it('with a fourth node, keeps about three quarters of keys where they were and moves the rest only to the new node', () => {
    const before = new HashRing(nodes);
    const after = new HashRing([...nodes, 'cache-3.cache:11211']);
    const fraction = kept(before, after);
    expect(fraction).toBeGreaterThan(0.65);
    expect(fraction).toBeLessThan(0.85);
    for (const key of keys) {
      if (before.nodeFor(key) !== after.nodeFor(key)) expect(after.nodeFor(key)).toBe('cache-3.cache:11211');
    }
  });

  it('without a node, moves only that node’s keys', () => {
    const before = new HashRing([...nodes, 'cache-3.cache:11211']);
    const after = new HashRing(nodes);
    for (const key of keys) {
      if (before.nodeFor(key) !== 'cache-3.cache:11211') expect(after.nodeFor(key)).toBe(before.nodeFor(key));
    }
  });

  it('sends everything to a single node', () => {
    const ring = new HashRing(['only:11211']);
    expect(new Set(keys.slice(0, 100).map((key) => ring.indexOf(key)))).toEqual(new Set([0]));
  });

  it('spreads more evenly with more virtual nodes', () => {
    const spread = (virtualNodes: number) => {
      const counts = [...share(new HashRing(nodes, { virtualNodes })).values()];
      return Math.max(...counts) - Math.min(...counts);
    };
    expect(spread(400)).toBeLessThan(spread(2));
  });

  it.each([
    [[], undefined],
    [['a:1', ''], undefined],
    [['a:1', 'a:1'], undefined],
    [['a:1'], 0],
    [['a:1'], 1.5],
    [['a:1'], 10_001],
  ])('refuses nodes %j with virtualNodes %s with a SessionConfigError', (list, virtualNodes) => {
    expect(() => new HashRing(list, { virtualNodes })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });
});
