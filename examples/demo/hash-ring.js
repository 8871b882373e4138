// Client-address affinity for the Node proxy, the way nginx's `hash
// $remote_addr consistent` does it: each replica owns many points on a ring,
// a client goes to the first point after its address's hash. A replica that
// joins or leaves moves only the clients next to its points; one that is down
// hands its clients to the next replica on the ring until it is back.
import { createHash } from 'node:crypto';

const POINTS_PER_PEER = 160; // nginx's ketama uses 160 points per unit of weight

/** @param {string} text */
const hash32 = (text) => createHash('md5').update(text).digest().readUInt32BE(0);

/**
 * @template {{ port: number }} P
 * @param {readonly P[]} peers every peer, usable or not (points stay put while one is down)
 * @returns {(address: string, usable: (peer: P) => boolean) => P | undefined} the peer for `address`
 */
export function hashRing(peers) {
  const points = peers
    .flatMap((peer) => Array.from({ length: POINTS_PER_PEER }, (_, i) => ({ at: hash32(`${peer.port}-${i}`), peer })))
    .sort((a, b) => a.at - b.at);
  return (address, usable) => {
    if (points.length === 0) return undefined;
    const key = hash32(address);
    let low = 0;
    let high = points.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (/** @type {{ at: number }} */ (points[mid]).at < key) low = mid + 1;
      else high = mid;
    }
    for (let i = 0; i < points.length; i++) {
      const { peer } = /** @type {{ peer: P }} */ (points[(low + i) % points.length]);
      if (usable(peer)) return peer;
    }
    return undefined;
  };
}
