import type { Client } from 'memjs';
import { HashRing, type HashRingOptions } from './hash-ring.js';
import { routingKey } from './keys.js';

/** A memjs server's name on the ring and in messages: `host:port` (`[v6]:port`). */
export function serverName(server: { host: string; port: number }): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/**
 * Makes `client` place keys by consistent hashing ({@link HashRing}) over its
 * servers instead of memjs's default `hash % servers.length`, which moves almost
 * every key (logs out almost every user) when a server is added or removed.
 * `MemcachedStore` does this to the clients it creates; call it yourself on a
 * client you pass in as `client` if it has several servers.
 *
 * A session's key and its `:seen` companion hash alike, so both land on the
 * same server. Returns the ring, for inspection.
 */
export function useConsistentHashing(client: Client, options: HashRingOptions = {}): HashRing {
  const ring = new HashRing(client.servers.map(serverName), options);
  // memjs's server(key) calls getServer(key) and uses the result as an index into
  // client.servers (also walking to index + 1 on failover), so it must return a
  // number, whatever @types/memjs says.
  (client as unknown as { getServer(key: string): number }).getServer = (key) => ring.indexOf(routingKey(key));
  return ring;
}
