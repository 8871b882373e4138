import { SessionConfigError } from '@podsafe/core';
import { optionParser } from '@podsafe/core/store';
import { murmur3 } from './hash.js';

/** Options of {@link HashRing}. */
export interface HashRingOptions {
  /**
   * Points each node gets on the ring. More points spread keys more evenly
   * (160 keeps each node within a few percent of its fair share) at the cost
   * of a larger table, built once.
   * @default `160` points
   */
  virtualNodes?: number;
}

/** Default {@link HashRingOptions.virtualNodes}. */
export const DEFAULT_VIRTUAL_NODES = 160;

/**
 * Consistent hashing: which node (memcached server) owns a key.
 *
 * Every node is hashed onto a 32-bit circle at many points ("virtual nodes"); a
 * key belongs to the first node point at or after the key's own hash. Adding a
 * node moves only the keys that now fall on its points (about 1/n of them, for
 * n nodes after the change), and removing one moves only its own keys: with
 * modulo placement (`hash % n`, memjs's default) almost every key moves, so
 * almost every session is lost when a cache pod is added or removed.
 *
 * Placement depends only on node names, never on their order in the list, so
 * give each server a stable name (a StatefulSet pod's DNS name, not an IP that
 * changes on restart).
 */
export class HashRing {
  /** The nodes, in the order given; {@link HashRing.indexOf} returns positions in this list. */
  readonly nodes: readonly string[];
  /** Points per node on the ring. */
  readonly virtualNodes: number;
  /** Ring positions, ascending. */
  readonly #points: Uint32Array;
  /** `#owners[i]`: index in `nodes` of the node owning `#points[i]`. */
  readonly #owners: Uint32Array;

  constructor(nodes: readonly string[], options: HashRingOptions = {}) {
    if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((node) => typeof node !== 'string' || node === '')) {
      throw new SessionConfigError('HashRing: nodes must be a non-empty list of server names, e.g. ["cache-0.cache:11211"].');
    }
    const duplicate = nodes.find((node, i) => nodes.indexOf(node) !== i);
    if (duplicate !== undefined) {
      throw new SessionConfigError(`HashRing: node ${JSON.stringify(duplicate)} is listed twice; list each server once.`);
    }
    const virtualNodes = optionParser('HashRing').integer('virtualNodes', options.virtualNodes, {
      default: DEFAULT_VIRTUAL_NODES,
      min: 1,
      max: 10_000,
    });
    this.nodes = [...nodes];
    this.virtualNodes = virtualNodes;

    const entries: { point: number; owner: number }[] = [];
    nodes.forEach((node, owner) => {
      for (let i = 0; i < virtualNodes; i++) entries.push({ point: murmur3(`${node}#${i}`), owner });
    });
    // Ties go to the smaller name, so the owner of a point never depends on list order.
    entries.sort((a, b) => a.point - b.point || compare(nodes[a.owner]!, nodes[b.owner]!));
    this.#points = Uint32Array.from(entries, (entry) => entry.point);
    this.#owners = Uint32Array.from(entries, (entry) => entry.owner);
  }

  /** The position in {@link HashRing.nodes} of the node that owns `key`. */
  indexOf(key: string): number {
    const points = this.#points;
    const hash = murmur3(key);
    // First point >= hash; past the last point the circle wraps to the first.
    let low = 0;
    let high = points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return this.#owners[low === points.length ? 0 : low]!;
  }

  /** The node that owns `key`. */
  nodeFor(key: string): string {
    return this.nodes[this.indexOf(key)]!;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
