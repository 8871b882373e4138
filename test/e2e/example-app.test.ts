/**
 * The example app as an operator meets it: one process started like the
 * container starts it, configured only by environment, probed, scraped,
 * deprived of its store, and stopped with SIGTERM. The same checks for both
 * twins, the Express app and the Fastify one: they share everything but the
 * framework wiring, and must answer alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, appEntry, type ExampleApp } from '@podsafe/example-demo/cluster';
import { ensureBuilt } from '@podsafe/test-support/cluster';
import { Browser } from '@podsafe/test-support/http';
import { freePort, requireCommand, ServerProcess, startRedis, waitForPort } from '@podsafe/test-support/servers';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function run(
  app: ExampleApp,
  env: Record<string, string>,
): { child: ChildProcess; exited: Promise<Exit>; output: () => string; logged: (text: string) => Promise<boolean> } {
  const child = spawn(process.execPath, [appEntry(app)], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal, output }) as Exit);
  /** Resolves `true` once the process has printed `text` (`false` if it exits, or after 10 s, first). */
  const logged = (text: string): Promise<boolean> =>
    new Promise((resolve) => {
      const done = (found: boolean) => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve(found);
      };
      const check = () => {
        if (output.includes(text)) done(true);
      };
      const timer = setTimeout(() => done(false), 10_000);
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      void exited.then(() => done(output.includes(text)));
      check();
    });
  return { child, exited, output: () => output, logged };
}

/** Stops an app that a test left running (the graceful path is tested where it matters). */
async function killApp(server: ReturnType<typeof run> | undefined): Promise<void> {
  if (server?.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGKILL');
  await server.exited;
}

describe.each(APPS)('%s', (app) => {
  describe('the example app refuses bad configuration with a message, not a stack trace', () => {
    beforeAll(() => ensureBuilt('redis', app));

    it.each<[Record<string, string>, RegExp]>([
      [{ SESSION_BACKEND: 'mysql' }, /SESSION_BACKEND must be one of redis, memcached, jwt/],
      [{ NODE_ENV: 'production' }, /SESSION_SECRET is required when NODE_ENV=production/],
      [
        { SESSION_BACKEND: 'memory', NODE_ENV: 'production' },
        /SESSION_BACKEND=memory keeps sessions in this process.*choose redis, memcached or jwt/,
      ],
      [{ SESSION_SECRET: 'too-short' }, /SESSION_SECRET entry 1 is 9 bytes/],
      [{ PORT: 'eighty' }, /PORT must be an integer/],
      [{ REDIS_URL: 'http://redis:6379' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ REVOCATION_REDIS_URL: 'redis://redis:6379' }, /REVOCATION_REDIS_URL is only for SESSION_BACKEND=jwt/],
      [{ PORT: '3000', METRICS_PORT: '3000' }, /METRICS_PORT must differ from PORT/],
      // Only the Fastify app logs through pino, so only it reads LOG_LEVEL.
      ...(app === 'fastify-app'
        ? [
            [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/] as [
              Record<string, string>,
              RegExp,
            ],
          ]
        : []),
    ])('%o', async (env, message) => {
      const { code, output } = await run(app, env).exited;
      expect(code).toBe(1);
      expect(output).toMatch(message);
      expect(output).not.toMatch(/\n\s+at /);
    });
  });

  describe('the example app with its store gone and back', () => {
    let redis: Awaited<ReturnType<typeof startRedis>>;
    let server: ReturnType<typeof run>;
    let url: string;

    beforeAll(async () => {
      ensureBuilt('redis', app);
      redis = await startRedis();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      server = run(app, {
        PORT: String(port),
        REDIS_URL: redis.url,
        SESSION_SECRET: randomBytes(48).toString('base64url'),
        POD_NAME: 'solo',
      });
      await waitForPort(port);
    });

    afterAll(async () => {
      await killApp(server);
      await redis?.stop();
    });

    it('serves, answers 503 + Retry-After while the store is down, recovers, and stops gracefully', { timeout: 30_000 }, async () => {
      const user = new Browser(url);
      expect((await user.get('/readyz')).status).toBe(200);
      const login = await user.post('/api/login', { user: 'Ada' });
      expect(login.body).toMatchObject({ user: 'Ada', counter: 0, pod: 'solo' });
      expect((await user.post('/api/increment')).body).toMatchObject({ user: 'Ada', counter: 1 });
      expect((await user.post('/api/kill')).status).toBe(404); // DEMO_KILL is off

      const metrics = await user.get('/metrics');
      expect(metrics.body).toMatch(/podsafe_session_loads_total\{outcome="found"\} \d+/);
      expect(metrics.body).toMatch(/podsafe_session_commits_total\{action="save"\} \d+/);
      expect(metrics.body).toMatch(/podsafe_store_duration_seconds_bucket\{le="[\d.]+",operation="load"\}/);
      expect(metrics.body).toMatch(/http_requests_total\{route="\/api\/increment",status="200"\} 1/);

      await redis.stop('SIGKILL');
      const api = await user.get('/api/session');
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(api.body).toEqual({ error: expect.stringMatching(/session store/i) });
      const page = await user.get('/');
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect((await user.get('/healthz')).status).toBe(200); // liveness never depends on the store
      const notReady = await user.get('/readyz');
      expect(notReady.status).toBe(503);
      // Only a status for whoever asks (the Ingress exposes /readyz); the details go to the log.
      expect(notReady.body).toEqual({ status: 'store-unavailable', pod: 'solo' });
      // The log line crosses a pipe: wait for it rather than race the response.
      await expect(server.logged(`127.0.0.1:${redis.port}`)).resolves.toBe(true);
      expect((await user.get('/metrics')).body).toMatch(/podsafe_store_errors_total\{operation="get"\} [1-9]/);

      // Redis back (empty: this one keeps nothing on disk), the app recovers by itself.
      await redis.start();
      let ready = 0;
      for (let attempt = 0; attempt < 100 && ready !== 200; attempt++) {
        ready = (await user.get('/readyz')).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100)); // reconnection has no event to wait on from outside
      }
      expect(ready).toBe(200);
      expect((await user.post('/api/increment')).status).toBe(200);

      server.child.kill('SIGTERM');
      const exit = await server.exited;
      expect(exit.code).toBe(0);
      expect(exit.output).toMatch(/SIGTERM: draining/);
      expect(exit.output).toMatch(/stopped/);
    });
  });
  describe('the example app as deployed: metrics on their own port, Redis behind a password', () => {
    const password = randomBytes(24).toString('base64url');
    let redis: ServerProcess;
    let server: ReturnType<typeof run>;
    let url: string;
    let metricsUrl: string;

    beforeAll(async () => {
      ensureBuilt('redis', app);
      requireCommand('redis-server', 'redis-server');
      const redisPort = await freePort();
      redis = await new ServerProcess('redis-server', redisPort, {
        command: 'redis-server',
        args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password],
        ready: /Ready to accept connections/,
      }).start();
      const [port, metricsPort] = [await freePort(), await freePort()];
      url = `http://127.0.0.1:${port}`;
      metricsUrl = `http://127.0.0.1:${metricsPort}`;
      server = run(app, {
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        REDIS_PASSWORD: password,
        SESSION_SECRET: randomBytes(48).toString('base64url'),
        POD_NAME: 'solo',
      });
      await Promise.all([waitForPort(port), waitForPort(metricsPort)]);
    });

    afterAll(async () => {
      await killApp(server);
      await redis?.stop();
    });

    it('keeps /metrics off the public port and serves it on METRICS_PORT only', async () => {
      const user = new Browser(url);
      expect((await user.post('/api/login', { user: 'Ada' })).status).toBe(200); // the password reached Redis
      expect((await user.get('/readyz')).body).toEqual({ status: 'ready', pod: 'solo' });
      expect((await user.get('/metrics')).status).toBe(404);
      const scrape = await new Browser(metricsUrl).get('/metrics');
      expect(scrape.status).toBe(200);
      expect(scrape.body).toMatch(/podsafe_session_commits_total\{action="save"\} 1/);
      expect((await new Browser(metricsUrl).get('/api/session')).status).toBe(404);
    });
  });

  describe('the example app on JWT with a revocation Redis', () => {
    let redis: Awaited<ReturnType<typeof startRedis>>;
    let server: ReturnType<typeof run>;
    let url: string;

    beforeAll(async () => {
      ensureBuilt('jwt', app);
      redis = await startRedis();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      server = run(app, {
        PORT: String(port),
        SESSION_BACKEND: 'jwt',
        REVOCATION_REDIS_URL: redis.url,
        SESSION_SECRET: randomBytes(48).toString('base64url'),
        POD_NAME: 'solo',
      });
      await waitForPort(port);
    });

    afterAll(async () => {
      await killApp(server);
      await redis?.stop();
    });

    it('makes logout final: a copy of the token taken before logout no longer signs anyone in', async () => {
      const user = new Browser(url);
      expect((await user.post('/api/login', { user: 'Ada' })).body).toMatchObject({ user: 'Ada' });
      const copy = user.clone();
      expect((await copy.get('/api/session')).body).toMatchObject({ user: 'Ada' });
      expect((await user.post('/api/logout')).status).toBe(200);
      expect((await copy.get('/api/session')).body).toMatchObject({ user: null });
    });
  });
});
