/**
 * A TCP relay on a free loopback port in front of a real server, for silent-network
 * tests: it can freeze the connections it carries (stop forwarding both ways while
 * keeping every socket open: no RST, no FIN, as when a pod is rescheduled or a node
 * partitions), hold new connections silent or send them elsewhere (the pod moved),
 * and heal.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the relay does with a connection accepted while frozen. */
export type NewConnections =
  /** Forward it to the current target: the old address is dead, the service lives on (the pod moved). */
  | 'forward'
  /** Accept it and never forward a byte (the partition also swallows new connections). */
  | 'blackhole';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  frozen: boolean;
}

export class TcpRelay {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #target: { host: string; port: number; localAddress?: string };
  #newConnections: NewConnections | undefined;
  #accepted = 0;
  #onAccept: (() => void)[] = [];

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    server.on('connection', (client) => this.#accept(client));
  }

  /**
   * Starts a relay on a free port of 127.0.0.1 that forwards to `target` (127.0.0.1
   * unless given), connecting from `target.localAddress` if set (e.g. `127.0.0.2`, which
   * a server counts as a remote client).
   */
  static async start(target: { host?: string; port: number; localAddress?: string }): Promise<TcpRelay> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new TcpRelay(server, { ...target, host: target.host ?? '127.0.0.1' });
  }

  /** The relay's port on 127.0.0.1: point the client here. */
  get port(): number {
    const address = this.#server.address();
    if (typeof address !== 'object' || !address) throw new Error('relay is not listening');
    return address.port;
  }

  /** Connections accepted so far (a reconnect shows up here). */
  get accepted(): number {
    return this.#accepted;
  }

  /** Resolves when the relay accepts its next connection: a client reconnecting. */
  nextConnection(): Promise<void> {
    return new Promise((resolve) => this.#onAccept.push(resolve));
  }

  /** Connections open right now. */
  get open(): number {
    return this.#pairs.size;
  }

  /**
   * Silences every connection open now: bytes stop flowing both ways, sockets stay
   * open. New connections are then forwarded (`'forward'`: the moved pod) or held
   * silent (`'blackhole'`) until {@link heal}.
   */
  freeze(newConnections: NewConnections): void {
    this.#newConnections = newConnections;
    for (const pair of this.#pairs) this.#silence(pair);
  }

  /** Sends new connections to another server from now on (with `freeze('forward')`: the pod moved there). */
  retarget(target: { host?: string; port: number }): void {
    this.#target = { host: target.host ?? '127.0.0.1', port: target.port };
  }

  /** Lets every connection flow again, frozen ones included (the partition healed). */
  heal(): void {
    this.#newConnections = undefined;
    for (const pair of this.#pairs) {
      if (!pair.frozen) continue;
      pair.frozen = false;
      if (pair.upstream) {
        if (!pair.upstream.connecting) flow(pair.client, pair.upstream);
      } else {
        this.#connectUpstream(pair);
      }
    }
  }

  /** Closes the listener and destroys every connection. */
  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#accepted++;
    for (const resolve of this.#onAccept.splice(0)) resolve();
    const pair: Pair = { client, upstream: undefined, frozen: false };
    this.#pairs.add(pair);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    if (this.#newConnections === 'blackhole') {
      // Accepted (the kernel already did) but nothing read or forwarded: silent, like a dead path.
      pair.frozen = true;
      return;
    }
    this.#connectUpstream(pair);
  }

  #connectUpstream(pair: Pair): void {
    const { client } = pair;
    const { host, port, localAddress } = this.#target;
    const upstream = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    pair.upstream = upstream;
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', drop);
    upstream.on('close', drop);
    upstream.once('connect', () => {
      if (!pair.frozen) flow(client, upstream);
    });
  }

  #silence(pair: Pair): void {
    pair.frozen = true;
    // Stop reading on both sides: what was sent sits in kernel buffers, nothing is
    // delivered, no FIN or RST is sent. Once buffers fill, the sender's writes back up.
    // Unpiped first: a pipe resumes its source on the destination's 'drain'.
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  }
}

/** Both directions flowing, with backpressure. */
function flow(client: Socket, upstream: Socket): void {
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
  upstream.resume();
}
