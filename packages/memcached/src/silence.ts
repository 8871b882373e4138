import type { Socket } from 'node:net';
import type { Server } from 'memjs';

/**
 * Noticing a connection that went silent (packets dropped, no RST, no FIN: a
 * rescheduled pod, a partitioned node), which memjs alone does not under steady
 * traffic: its request timeout is the socket's idle timer, and every new request
 * written to the dead socket resets it, so requests pile up on the socket forever.
 *
 * The store takes a snapshot of the sockets a call was sent on; when the call hits
 * its deadline and a server still uses that same socket, the socket is dead (memcached
 * answers in order and in microseconds): it is destroyed with everything queued on it,
 * which memjs then retries, or fails, on a fresh connection. A socket opened since
 * then is left alone, so many calls timing out together cost one reconnect, not a
 * reconnect storm that would also kill the healthy new connection.
 */

interface ServerInternals {
  /** memjs keeps a server's current socket here (undefined between connections). */
  _socket?: Socket;
  /** memjs's own failure path: destroys the socket and fails every request queued on it. */
  error(error: Error): void;
}

function internals(server: Server): ServerInternals {
  return server as unknown as ServerInternals;
}

/** The sockets `servers` use right now, to compare at the deadline. */
export function socketsOf(servers: readonly Server[]): (Socket | undefined)[] {
  return servers.map((server) => internals(server)._socket);
}

/**
 * memjs's 'close' handler clears the server's *current* socket, whichever it is:
 * a replaced socket that closes late (when a dead network heals, or just after a
 * new one was opened) would orphan the new connection mid-handshake, and every
 * request queued on it would hang. A socket memjs no longer uses loses its memjs
 * listeners before it is destroyed.
 */
function discard(socket: Socket): void {
  socket.removeAllListeners('close');
  socket.removeAllListeners('data');
  socket.removeAllListeners('error');
  socket.on('error', () => undefined);
  socket.destroy();
}

/**
 * Destroys the connection of every server in `servers` that still uses the socket
 * recorded in `sockets` (and is not in `answered`), failing what is queued on it
 * with `reason`. Returns how many connections it destroyed.
 */
export function dropSilentSockets(
  servers: readonly Server[],
  sockets: readonly (Socket | undefined)[],
  reason: string,
  answered: ReadonlySet<Server> = new Set(),
): number {
  let dropped = 0;
  servers.forEach((server, i) => {
    const socket = sockets[i];
    const memjs = internals(server);
    if (socket === undefined || memjs._socket !== socket || answered.has(server)) return;
    delete memjs._socket;
    // Fails (and so retries) what was queued on it; with no socket left, memjs opens a new one on the next write.
    memjs.error(new Error(reason));
    discard(socket);
    dropped++;
  });
  return dropped;
}

const seen = new WeakMap<Server, Socket>();

/**
 * Discards the socket each server used before its current one, if still open.
 * memjs only `end()`s a socket it gives up on, and a FIN into a dead network never
 * completes, so each of its own timeouts would leave an open socket behind for the
 * whole outage, and its late 'close' would orphan the current connection.
 */
export function retireReplacedSockets(servers: readonly Server[]): void {
  for (const server of servers) {
    const current = internals(server)._socket;
    const previous = seen.get(server);
    if (previous && previous !== current && !previous.destroyed) discard(previous);
    if (current) seen.set(server, current);
  }
}
