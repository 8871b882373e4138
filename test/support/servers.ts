/**
 * Real servers for tests: redis-server, memcached and nginx started from PATH
 * on free loopback ports, and stopped afterwards. Nothing here is mocked.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port the OS says is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Fails with a message naming the Debian package when `command` is not on PATH. */
export function requireCommand(command: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(
      `${command} is not on PATH, and the tests need a real one. Install it: \`apt-get install -y ${debianPackage}\` ` +
        `(macOS: \`brew install ${debianPackage === 'redis-server' ? 'redis' : debianPackage}\`), then run the tests again.`,
    );
  }
}

/** Resolves once something accepts TCP connections on `port` (for servers that print no ready line). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A server process the tests own. */
export class ServerProcess {
  #child: ChildProcess | undefined;
  #output = '';

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly spawnArgs: { command: string; args: string[]; ready?: RegExp },
  ) {}

  /** The process id while running. */
  get pid(): number | undefined {
    return this.running ? this.#child!.pid : undefined;
  }

  /**
   * Starts the process and resolves when it is ready to serve; rejects with its
   * output when it exits first or is not ready within `timeoutMs`.
   */
  async start(timeoutMs = 15_000): Promise<this> {
    const { command, args, ready } = this.spawnArgs;
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#output = '';
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`${this.name} failed to start: ${error.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.name} exited before it was ready (code ${code}, signal ${signal}):\n${this.#output}`)),
      );
    });
    exited.catch(() => undefined);
    const readyLine = ready
      ? new Promise<void>((resolve) => {
          const onData = (chunk: Buffer) => {
            this.#output += chunk.toString();
            if (!ready.test(this.#output)) return;
            // Ready: keep draining the pipes (a full pipe would block the server)
            // but stop collecting, since memcached -vv logs every command.
            for (const stream of [child.stdout!, child.stderr!]) {
              stream.off('data', onData);
              stream.resume();
            }
            resolve();
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
        })
      : waitForPort(this.port);
    if (!ready) {
      child.stdout!.on('data', (c: Buffer) => (this.#output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (this.#output += c.toString()));
    }
    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.name} was not ready after ${timeoutMs} ms; its output:\n${this.#output}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([readyLine, exited, tooSlow]);
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  /** Stops the process (SIGTERM, or SIGKILL for a crash) and resolves when it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }
}

/** A test redis-server's arguments: loopback only, nothing persisted (files, if any, go to `dir`). */
export function redisServerArgs(port: number, dir: string = tmpdir()): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice'];
}

/**
 * A redis-server on a free port, without persistence files. `args` are extra
 * redis-server options, e.g. `['--requirepass', 'secret']` or `['--maxmemory', '1mb']`.
 */
export async function startRedis({ args = [] }: { args?: string[] } = {}): Promise<ServerProcess & { url: string }> {
  requireCommand('redis-server', 'redis-server');
  const port = await freePort();
  const server = new ServerProcess('redis-server', port, {
    command: 'redis-server',
    args: [...redisServerArgs(port), ...args],
    ready: /Ready to accept connections/,
  });
  await server.start();
  return Object.assign(server, { url: `redis://127.0.0.1:${port}` });
}

/** A memcached on a free port (TCP only, 64 MB). */
export async function startMemcached(): Promise<ServerProcess & { address: string }> {
  requireCommand('memcached', 'memcached');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const server = new ServerProcess('memcached', port, {
    command: 'memcached',
    args: [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-vv'],
    ready: /server listening/,
  });
  await server.start();
  return Object.assign(server, { address: `127.0.0.1:${port}` });
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
