// One replica of the example app: a child process on a fixed port, which a
// supervisor (cluster.js) starts, stops and starts again as Kubernetes would a pod.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { LOOPBACK, pollUntil, probe } from './net.js';

const KEEP_LINES = 40;

/**
 * How a replica process ended.
 * @typedef {object} ReplicaExit
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {number | undefined} pid
 * @property {boolean} [wasReady] whether it had passed its readiness check (an exit before that counts as a crash loop)
 */

/**
 * @typedef {object} ReplicaSpec
 * @property {number} index
 * @property {string} pod `replica-<index>`, the app's POD_NAME
 * @property {number} port
 * @property {string} entry the app's server file
 * @property {Record<string, string>} env
 * @property {number} readyTimeoutMs
 */

/**
 * @extends {EventEmitter<{ output: [line: string], ready: [{ pid: number }], exit: [ReplicaExit] }>}
 */
export class Replica extends EventEmitter {
  /** @param {ReplicaSpec} spec */
  constructor(spec) {
    super();
    this.index = spec.index;
    /** `replica-<index>`, the app's POD_NAME. */
    this.pod = spec.pod;
    /** Its port on 127.0.0.1; kept across restarts. */
    this.port = spec.port;
    /** `http://127.0.0.1:<port>`, bypassing the front. */
    this.url = `http://${LOOPBACK}:${spec.port}`;
    this.spec = spec;
    /** @type {'down' | 'starting' | 'ready' | 'stopping'} */
    this.state = 'down';
    /** @type {number | undefined} pid of the current (or last) process */
    this.pid = undefined;
    /** How many processes were started for this replica. */
    this.starts = 0;
    /** @type {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable> | undefined} */
    this.child = undefined;
    /** @type {string[]} Last lines the process printed, for error messages. */
    this.output = [];
    /** @type {Promise<ReplicaExit>} */
    this.exited = Promise.resolve({ code: null, signal: null, pid: undefined });
  }

  get running() {
    return this.child !== undefined;
  }

  /** Starts the process and resolves once `/readyz` answers 200; rejects if it exits first. */
  async start() {
    if (this.child) throw new Error(`${this.pod} is already running`);
    const child = spawn(process.execPath, [this.spec.entry], {
      env: { ...process.env, ...this.spec.env, PORT: String(this.port), HOST: LOOPBACK, POD_NAME: this.pod },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches the supervisor, which stops replicas in order.
      detached: true,
    });
    this.child = child;
    this.pid = child.pid;
    this.state = 'starting';
    this.starts += 1;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.#line(line);
      });
      stream.on('end', () => partial && this.#line(partial));
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const wasReady = this.state === 'ready' || this.state === 'stopping';
        this.child = undefined;
        this.state = 'down';
        const info = { code, signal, pid: child.pid, wasReady };
        this.emit('exit', info);
        resolve(info);
      });
    });
    child.once('error', (error) => this.#line(`spawn failed: ${error.message}`));

    const died = this.exited.then(
      (info) => new Error(`${this.pod} exited (code ${info.code}, signal ${info.signal}) before it was ready:\n${this.output.join('\n')}`),
    );
    await pollUntil(async () => (await probe(this.port, '/readyz')) === 200, {
      what: `${this.pod} on port ${this.port} to be ready`,
      timeoutMs: this.spec.readyTimeoutMs,
      abort: died,
    });
    if (this.child === child) {
      this.state = 'ready';
      // A process that answered /readyz was spawned, so it has a pid.
      this.emit('ready', { pid: /** @type {number} */ (child.pid) });
    }
  }

  /**
   * Sends `signal` and resolves with how the process ended (immediately if it is not running).
   * @param {NodeJS.Signals} signal
   * @returns {Promise<ReplicaExit>}
   */
  async signal(signal) {
    const child = this.child;
    if (!child) return { code: null, signal: null, pid: undefined };
    if (signal === 'SIGTERM' || signal === 'SIGINT') this.state = 'stopping';
    child.kill(signal);
    return this.exited;
  }

  /**
   * Stops gracefully; escalates to SIGKILL after `graceMs`.
   * @returns {Promise<ReplicaExit>}
   */
  async stop(graceMs = 15_000) {
    const child = this.child;
    if (!child) return { code: null, signal: null, pid: undefined };
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.signal('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  /** @param {string} line */
  #line(line) {
    this.output.push(line);
    if (this.output.length > KEEP_LINES) this.output.shift();
    this.emit('output', line);
  }
}
