import type { SessionOptions } from '@podsafe/core';

/** An app under test, listening on a loopback port. */
export interface RunningApp {
  /** Base URL of the app, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Stops the server and waits until it has. */
  close(): Promise<void>;
}

/**
 * A framework driver for {@link describeAdapterBehaviour}: starts an app on
 * your framework, with your adapter, that serves the routes below. Every
 * framework adapter serves the same routes, so one behaviour suite runs on all
 * of them. Bodies are JSON; every route except `/stream` and `/big/:bytes`
 * answers with the session view `{ id, isNew, data }` (`id` is `null` when
 * there is no session yet).
 *
 * - `GET  /session`          → the session view, changes nothing
 * - `POST /set`  `{...}`     → sets every key of the body
 * - `POST /unset/:key`       → deletes one key
 * - `POST /increment/:key`   → `data[key] = (data[key] ?? 0) + 1`
 * - `POST /login` `{user}`   → `regenerate()`, then `user` set
 * - `POST /login-redirect` `{user}` → like login, answers `302 Location: /session`
 * - `POST /logout`           → `destroy()`
 * - `POST /hold/:gate` `{...}` → `await waitAtGate(gate)` (after the session is loaded), then sets the body's keys
 * - `POST /stream`           → sets `streamed: true`, then writes the body in chunks
 * - `GET  /big/:bytes`       → stores a string of that many bytes
 *
 * The in-repo Express and Fastify drivers (`test/support/express-driver.ts`,
 * `test/support/fastify-driver.ts`) are complete examples.
 */
export interface AppDriver {
  /** The framework's name, used in the suite's test titles. */
  readonly name: string;
  /** Starts one app instance with these session options on a free port. */
  start(options: SessionOptions): Promise<RunningApp>;
}

/** A backend on a private server that the suite may stop and start, for the outage test. */
export interface StoppableAdapterBackend {
  /** Session options for one app instance on the private server. */
  options(): Promise<SessionOptions>;
  /** Stops the server (the store's next calls fail as in an outage). */
  stop(): Promise<void>;
  /** Starts the server again on the same address. */
  start(): Promise<void>;
  /** Closes the stores and stops the server for good. */
  close(): Promise<void>;
}

/**
 * A session backend the adapter suite runs on. Every `options()` call makes a
 * new store instance (its own connections), as another pod would; all of them
 * share sessions, as pods sharing one Redis do.
 */
export interface AdapterBackend {
  /** The backend's name, used in the suite's test titles. */
  readonly name: string;
  /** The store has `capabilities.deltaWrites`: concurrent saves of different keys both persist. Enables the concurrency tests. */
  readonly deltaWrites: boolean;
  /** The session travels in the cookie itself, so its size is bounded by the browser's cookie limit. Enables the cookie-size test. */
  readonly cookieCarried?: boolean;
  /** Session options for one app instance; `secrets` newest first (the suite's rotation test passes its own). */
  options(secrets?: string[]): Promise<SessionOptions>;
  /** Overwrites the stored session `id` with data that is not a session. Server-side stores only; enables the corrupt-data test. */
  corrupt?(id: string): Promise<void>;
  /** A private server the test may stop; enables the outage test. */
  stoppable?(): Promise<StoppableAdapterBackend>;
  /** Closes every store this backend made. */
  close(): Promise<void>;
}
