/**
 * A real partition, not a relay: redis-server and memcached run in one network
 * namespace, the client (a child node process, through `ip netns exec`) in another,
 * joined by a veth pair; an nftables `drop` rule then silently drops every packet
 * between them (no RST, no FIN), and deleting it heals. Only traffic between the
 * addresses inside the namespaces this test creates (random names, removed in
 * afterAll). Needs root and `ip`/`nft`; skipped, saying why, otherwise.
 *
 * Timings are printed for the record, never asserted; the deadlines are hang guards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { env: { PATH } }).status === 0;
}

const skipReason =
  process.getuid?.() !== 0
    ? 'not root: network namespaces and nftables need root (the relay tests in packages/*/src/silent-network.test.ts cover the same cases)'
    : !has('ip') || !has('nft')
      ? '`ip` (iproute2) or `nft` (nftables) is not installed'
      : undefined;
if (skipReason) console.log(`[partition-netns] skipped: ${skipReason}`);

const suffix = randomBytes(3).toString('hex');
const serverNs = `podsafe-srv-${suffix}`;
const clientNs = `podsafe-cli-${suffix}`;
// A /30 inside the namespaces only: neither end exists outside them.
const octet = 16 + (randomBytes(1)[0]! % 200);
const serverIp = `10.${octet}.${randomBytes(1)[0]! % 250}.1`;
const clientIp = serverIp.replace(/\.1$/, '.2');
const redisPort = 20_000 + (randomBytes(2).readUInt16BE() % 20_000);
const memcachedPort = redisPort + 1;

function sh(args: string[]): void {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', env: { ...process.env, PATH } });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

const servers: ChildProcess[] = [];

function startInServerNs(command: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', serverNs, ...command], { stdio: 'ignore', env: { ...process.env, PATH } });
  servers.push(child);
  return child;
}

/** Resolves once a TCP connection from the client namespace to host:port succeeds (servers print no event we can reach across namespaces). */
async function reachable(host: string, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  const probe = `require('net').connect(${port}, '${host}').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
  while (spawnSync('ip', ['netns', 'exec', clientNs, process.execPath, '-e', probe], { env: { ...process.env, PATH } }).status !== 0) {
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not become reachable from ${clientNs}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function dropRules(): string {
  return [
    'table inet podsafe_partition {',
    `  chain input { type filter hook input priority 0; ip saddr ${clientIp} drop; }`,
    `  chain output { type filter hook output priority 0; ip daddr ${clientIp} drop; }`,
    '}',
  ].join('\n');
}

function applyPartition(): void {
  const result = spawnSync('ip', ['netns', 'exec', serverNs, 'nft', '-f', '-'], {
    input: dropRules(),
    encoding: 'utf8',
    env: { ...process.env, PATH },
  });
  if (result.status !== 0) throw new Error(`nft failed: ${result.stderr}`);
}

function healPartition(): void {
  sh(['ip', 'netns', 'exec', serverNs, 'nft', 'delete', 'table', 'inet', 'podsafe_partition']);
}

interface Event {
  event: string;
  ms?: number;
  took?: number;
  slowest?: number;
  name?: string;
  status?: string;
  data?: unknown;
}

/** The client process: its JSON events as an async queue. */
function startClient(store: 'redis' | 'memcached', address: string) {
  const child = spawn('ip', ['netns', 'exec', clientNs, process.execPath, join(ROOT, 'test', 'stores', 'partition-client.mjs')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PATH, STORE: store, ADDRESS: address },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events: Event[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as Event);
    for (const wake of waiters.splice(0)) wake();
  });
  child.on('exit', () => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    events,
    send: (line: string) => child.stdin!.write(`${line}\n`),
    /** Resolves with the first event matching `test` (already seen or to come); rejects after `deadlineMs` (hang guard). */
    async until(test: (event: Event) => boolean, what: string, deadlineMs = 15_000): Promise<Event> {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const found = events.find(test);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `the ${store} client did not report ${what} (events: ${JSON.stringify(events.slice(-5))}; stderr: ${stderr.slice(-2000)})`,
          );
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 250);
        });
      }
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.write('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

describe.skipIf(skipReason !== undefined)('a real partition (network namespaces, nftables drop)', () => {
  beforeAll(async () => {
    // The client process runs the built packages: build what changed (incremental).
    sh([
      process.execPath,
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-b',
      join(ROOT, 'packages', 'redis'),
      join(ROOT, 'packages', 'memcached'),
    ]);
    const veth = `psv${suffix}`;
    sh(['ip', 'netns', 'add', serverNs]);
    sh(['ip', 'netns', 'add', clientNs]);
    sh(['ip', 'link', 'add', `${veth}s`, 'type', 'veth', 'peer', 'name', `${veth}c`]);
    sh(['ip', 'link', 'set', `${veth}s`, 'netns', serverNs]);
    sh(['ip', 'link', 'set', `${veth}c`, 'netns', clientNs]);
    for (const [ns, dev, ip] of [
      [serverNs, `${veth}s`, serverIp],
      [clientNs, `${veth}c`, clientIp],
    ] as const) {
      sh(['ip', '-n', ns, 'addr', 'add', `${ip}/30`, 'dev', dev]);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    startInServerNs([
      'redis-server',
      '--port',
      String(redisPort),
      '--bind',
      serverIp,
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    startInServerNs(['memcached', '-u', 'root', '-l', serverIp, '-p', String(memcachedPort), '-U', '0', '-m', '16']);
    await reachable(serverIp, redisPort);
    await reachable(serverIp, memcachedPort);
  }, 120_000);

  afterAll(() => {
    for (const server of servers) server.kill('SIGKILL');
    // Deleting the namespaces removes the veth pair and the nftables table with them.
    for (const ns of [serverNs, clientNs]) spawnSync('ip', ['netns', 'delete', ns], { env: { ...process.env, PATH } });
  });

  it.each([
    ['redis', () => `${serverIp}:${redisPort}`],
    ['memcached', () => `${serverIp}:${memcachedPort}`],
  ] as const)(
    '%s: every call fails fast as unavailable during the partition, and it serves again once healed, session intact',
    async (store, address) => {
      const client = startClient(store, address());
      try {
        const ready = await client.until((e) => e.event === 'ready', 'ready');
        expect(ready.data).toEqual({ user: 'alice' });

        applyPartition();
        client.send('partition');
        const first = await client.until((e) => e.event === 'failed', 'a failure during the partition');
        // Detection: the Redis store reports its connection down (a silent socket,
        // destroyed by socketTimeout); memcached has no status, its failures suffice.
        if (store === 'redis') await client.until((e) => e.event === 'status' && e.status === 'down', "'down'");
        const failedSoFar = () => client.events.filter((e) => e.event === 'failed');
        await client.until(() => failedSoFar().length >= 3, 'three failures');
        healPartition();
        client.send('heal');
        const served = await client.until((e) => e.event === 'served', 'being served after the heal');

        expect(served.data).toEqual({ user: 'alice' });
        expect(client.events.some((e) => e.event === 'served-during-partition')).toBe(false);
        for (const failure of failedSoFar()) expect(failure.name).toBe('SessionStoreUnavailableError');
        const down = client.events.find((e) => e.event === 'status' && e.status === 'down');
        console.log(
          `[netns ${store}, partition] firstFailureMs=${first.ms} downMs=${down?.ms ?? '-'} slowestCallMs=${Math.max(...failedSoFar().map((e) => e.took ?? 0))} ` +
            `servedAfterHealMs=${served.ms}`,
        );
      } finally {
        await client.stop();
      }
    },
    60_000,
  );
});
