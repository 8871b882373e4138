import type { SessionChange, SessionRecord, SessionStore } from '@podsafe/core';
import { MemoryStore } from '@podsafe/core';

/**
 * A real store (MemoryStore by default) whose saves can be held at a gate:
 * the event-driven way to keep a commit pending for as long as a test needs
 * ("the store is slow") without a timer.
 */
export class GatedStore implements SessionStore {
  readonly kind = 'server' as const;
  readonly capabilities;
  #held = false;
  #open: Promise<void> = Promise.resolve();
  #release: () => void = () => undefined;
  #reached: Promise<void>;
  #arrive!: () => void;

  constructor(readonly inner: SessionStore = new MemoryStore()) {
    this.capabilities = inner.capabilities;
    this.#reached = new Promise((resolve) => (this.#arrive = resolve));
  }

  /** From now on, saves wait until {@link release}. */
  hold(): void {
    this.#held = true;
    this.#open = new Promise((resolve) => (this.#release = resolve));
    this.#reached = new Promise((resolve) => (this.#arrive = resolve));
  }

  /** Lets the held saves (and later ones) through. */
  release(): void {
    this.#held = false;
    this.#release();
  }

  /** Resolves when a save has arrived at the gate (the commit is pending). */
  saveReached(): Promise<void> {
    return this.#reached;
  }

  async save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    if (this.#held) {
      this.#arrive();
      await this.#open;
    }
    return this.inner.save(id, change, ttl);
  }

  get(id: string): Promise<SessionRecord | null> {
    return this.inner.get(id);
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: the contract's own return type (SessionStore.touch).
  touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean | void> {
    return this.inner.touch(id, lastSeenAt, ttl);
  }

  destroy(id: string): Promise<void> {
    return this.inner.destroy(id);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
