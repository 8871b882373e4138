import type { SessionStoreStatus } from '@podsafe/core';
import type { Cluster, Redis } from 'ioredis';

type Listener = (status: SessionStoreStatus) => void;

/**
 * Follows an ioredis client's connection events: turns them into `ready` / `down`
 * for `subscribe()` listeners (consecutive repeats dropped: ioredis emits `error`,
 * `close` and `end` for one outage, and `close` on every failed reconnect), and
 * remembers the last connection error for error messages.
 */
export class ConnectionWatch {
  readonly #client: Redis | Cluster;
  readonly #listeners = new Set<Listener>();
  readonly #handlers: [event: string, handler: (...args: unknown[]) => void][];
  #last: SessionStoreStatus | undefined;
  #lastError: string | undefined;

  /**
   * `ownsErrors`: listen to `error` too. Only for a client the store created: adding
   * an `error` listener silences ioredis's own "Unhandled error event" logging, which
   * an app that passed in its client may rely on.
   */
  constructor(client: Redis | Cluster, ownsErrors: boolean) {
    this.#client = client;
    this.#last = client.status === 'ready' ? 'ready' : undefined;
    this.#handlers = [
      [
        'ready',
        () => {
          this.#lastError = undefined;
          this.#emit('ready');
        },
      ],
      ['close', () => this.#emit('down')],
      ['end', () => this.#emit('down')],
    ];
    if (ownsErrors) {
      // A refusal sent on connect (protected mode's DENIED, maxclients) answers a
      // handshake command whose error ioredis swallows, then the socket closes: peek
      // at the first reply so error messages can name it.
      this.#handlers.push([
        'connect',
        () => {
          const stream = (this.#client as Redis).stream as NodeJS.ReadableStream | undefined;
          stream?.once('data', (chunk: Buffer | string) => {
            const text = String(chunk).slice(0, 512);
            if (/^-(DENIED|ERR max number of clients)/.test(text)) this.#lastError = text.slice(1).split('\r\n')[0];
          });
        },
      ]);
      this.#handlers.push([
        'error',
        (error) => {
          this.#lastError = error instanceof Error ? error.message : String(error);
          if (this.#client.status !== 'ready') this.#emit('down');
        },
      ]);
    }
    for (const [event, handler] of this.#handlers) client.on(event, handler);
  }

  /** The last connection error since the last `ready`, if any. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Stops listening to the client and drops every listener. */
  detach(): void {
    for (const [event, handler] of this.#handlers) this.#client.off(event, handler);
    this.#listeners.clear();
  }

  #emit(status: SessionStoreStatus): void {
    if (status === this.#last) return;
    this.#last = status;
    for (const listener of [...this.#listeners]) {
      try {
        listener(status);
      } catch {
        // A throwing listener must not break ioredis's event loop or the other listeners.
      }
    }
  }
}
