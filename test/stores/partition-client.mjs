// The client side of the network-namespace partition test: run through
// `ip netns exec` in the client namespace, against the built packages. It keeps
// one session, calls the store every 100 ms, and reports on stdout as JSON lines;
// the test drives the phases through stdin ("partition", "heal").
//
// env: STORE=redis|memcached, ADDRESS=host:port (inside the test's namespaces).
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { RedisStore } from '@podsafe/redis';
import { MemcachedStore } from '@podsafe/memcached';

const send = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const { STORE, ADDRESS } = process.env;
const store =
  STORE === 'redis'
    ? new RedisStore({ url: `redis://${ADDRESS}`, prefix: 'podsafe:netns:' })
    : new MemcachedStore({ servers: ADDRESS, prefix: 'podsafe:netns:' });
const id = randomBytes(32).toString('base64url');

const now = () => performance.now();
let phase = 'setup';
let phaseStart = now();
store.subscribe?.((status) => send({ event: 'status', status, ms: Math.round(now() - phaseStart) }));

async function callOnce() {
  const began = now();
  try {
    const record = await store.get(id);
    return { ok: true, data: record?.data ?? null, took: now() - began };
  } catch (error) {
    return { ok: false, name: error?.name, message: String(error?.message).slice(0, 300), took: now() - began };
  }
}

async function loop() {
  const reported = { heal: false };
  let slowest = 0;
  for (;;) {
    if (phase === 'stop') break;
    const outcome = await callOnce();
    const ms = Math.round(now() - phaseStart);
    if (phase === 'partition') {
      slowest = Math.max(slowest, outcome.took);
      if (!outcome.ok) send({ event: 'failed', ms, took: Math.round(outcome.took), name: outcome.name, slowest: Math.round(slowest) });
      else send({ event: 'served-during-partition', ms });
    } else if (phase === 'heal' && outcome.ok && !reported.heal) {
      reported.heal = true;
      send({ event: 'served', ms, data: outcome.data });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

await store.save(
  id,
  {
    isNew: true,
    set: { user: 'alice' },
    unset: [],
    data: { user: 'alice' },
    meta: { createdAt: Date.now() / 1000, lastSeenAt: Date.now() / 1000 },
  },
  600,
);
send({ event: 'ready', data: (await store.get(id))?.data ?? null });
void loop();
for await (const line of createInterface({ input: process.stdin })) {
  phase = line.trim();
  phaseStart = now();
  if (phase === 'stop') break;
}
phase = 'stop';
await store.close();
process.exit(0);
