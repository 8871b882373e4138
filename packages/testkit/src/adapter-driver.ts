import type { SessionOptions } from '@podsafe/core';

/** An app under test, listening on a loopback port. */
export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/**
 * A framework driver: starts an app that serves the standard test routes with
 * podsafe sessions. Every framework adapter implements the same routes, so one
 * behaviour suite runs on all of them:
 *
 * - `GET  /session`          → `{ id, isNew, data }`, changes nothing
 * - `POST /set`  `{...}`     → sets every key of the body, returns the session
 * - `POST /unset/:key`       → deletes one key
 * - `POST /increment/:key`   → `data[key] = (data[key] ?? 0) + 1`
 * - `POST /login` `{user}`   → `regenerate()`, then `user` set
 * - `POST /login-redirect` `{user}` → like login, answers `302 Location: /session`
 * - `POST /logout`           → `destroy()`
 * - `POST /hold/:gate` `{...}` → waits at `gate` (see gates.ts), then sets the body's keys
 * - `POST /stream`           → sets `streamed: true`, then writes the body in chunks
 * - `GET  /big/:bytes`       → stores a string of that many bytes
 */
export interface AppDriver {
  readonly name: string;
  start(options: SessionOptions): Promise<RunningApp>;
}
