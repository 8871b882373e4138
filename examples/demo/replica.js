// One replica of the example app: a child process on a fixed port, which a
// supervisor (cluster.js) starts, stops and starts again as Kubernetes would a pod.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { LOOPBACK, pollUntil, probe } from './net.js';

const KEEP_LINES = 40;

export class Replica extends EventEmitter {
  /**
   * @param {{ index: number, pod: string, port: number, entry: string, env: Record<string, string>, readyTimeoutMs: number }} spec
   */
  constructor(spec) {
    super();
    this.index = spec.index;
    this.pod = spec.pod;
    this.port = spec.port;
    this.url = `http://${LOOPBACK}:${spec.port}`;
    this.spec = spec;
    /** @type {'down' | 'starting' | 'ready' | 'stopping'} */
    this.state = 'down';
    this.pid = undefined;
    this.starts = 0;
    this.child = undefined;
    /** Last lines the process printed, for error messages. */
    this.output = [];
    this.exited = Promise.resolve({ code: null, signal: null });
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
        partial = lines.pop();
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
      this.emit('ready', { pid: child.pid });
    }
  }

  /** Sends `signal` and resolves with how the process ended (immediately if it is not running). */
  async signal(signal) {
    const child = this.child;
    if (!child) return { code: null, signal: null, pid: undefined };
    if (signal === 'SIGTERM' || signal === 'SIGINT') this.state = 'stopping';
    child.kill(signal);
    return this.exited;
  }

  /** Stops gracefully; escalates to SIGKILL after `graceMs`. */
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

  #line(line) {
    this.output.push(line);
    if (this.output.length > KEEP_LINES) this.output.shift();
    this.emit('output', line);
  }
}
