import type { Fleet, FleetsOptions } from './fleets.js';

export interface DemoOptions extends FleetsOptions {
  /** Virtual users on each fleet. Default 50. */
  users?: number;
  /** The page's port; default a free one. */
  port?: number;
  /** The page's address. Default 127.0.0.1. */
  host?: string;
  /** Start the crowd at once. Default true. */
  crowd?: boolean;
  /** Average pause of a virtual user between requests, in milliseconds (busy users pause less). Default 2000. */
  thinkMs?: number;
  log?: (message: string) => void;
}

export interface Demo {
  /** The page: both fleets side by side. */
  readonly url: string;
  /** sticky first, then podsafe. */
  readonly fleets: readonly Fleet[];
  readonly backend: { kind: string; description: string };
  /** Fallbacks used, as shown on the page. */
  readonly notes: readonly string[];
  /** Stops the page, the crowd, both fleets and the store's server. */
  stop(): Promise<void>;
}

/** Both fleets, a crowd on each, and the live page with its buttons (kill, add a replica, change my address, crowd on/off). */
export function startDemo(options?: DemoOptions): Promise<Demo>;
