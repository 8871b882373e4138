// The live side-by-side demo: both fleets, a crowd on each, and the page
// (dashboard-page.js) with its buttons. Every button acts on both fleets at
// once, so the two columns always show the same event.
import { createServer } from 'node:http';
import { dashboardPage } from './dashboard-page.js';
import { VirtualUser, addressPool, checkClientAddresses, createUsers, liveCrowd } from './crowd.js';
import { startFleets } from './fleets.js';
import { LOOPBACK } from './net.js';

/** @import { IncomingMessage } from 'node:http' */
/** @import { VisitResult } from './crowd.js' */
/** @import { Fleet, FleetsOptions } from './fleets.js' */

/**
 * What "change my address" did to "you" on one fleet, for the page.
 * @typedef {{ from: string, to: string, podBefore: string | undefined, podAfter: string | undefined, loggedOut: boolean, ok: boolean }} AddressMove
 */

const MAX_REPLICAS = 6;
const MAX_BODY = 16 * 1024;

/**
 * @typedef {FleetsOptions & {
 *   users?: number,
 *   port?: number,
 *   host?: string,
 *   crowd?: boolean,
 *   thinkMs?: number,
 *   log?: (message: string) => void,
 * }} DemoOptions `users`: virtual users on each fleet (default 50). `port`: the page's port (default a free one).
 *   `host`: the page's address (default 127.0.0.1). `crowd`: start the crowd at once (default true).
 *   `thinkMs`: average pause of a virtual user between requests, in milliseconds (busy users pause less; default 2000).
 */

/**
 * A running demo: what {@link startDemo} resolves with.
 * @typedef {object} Demo
 * @property {string} url the page: both fleets side by side
 * @property {readonly [Fleet, Fleet]} fleets sticky first, then podsafe
 * @property {{ kind: string, description: string }} backend
 * @property {readonly string[]} notes fallbacks used, as shown on the page
 * @property {() => Promise<void>} stop stops the page, the crowd, both fleets and the store's server
 */

/**
 * Both fleets, a crowd on each, and the live page with its buttons (kill, add a replica, change my address, crowd on/off).
 * @param {DemoOptions} [options]
 * @returns {Promise<Demo>}
 */
export async function startDemo(options = {}) {
  const { users: count = 50, port = 0, host = LOOPBACK, crowd: crowdOn = true, thinkMs = 2000, log = () => {} } = options;
  await checkClientAddresses();
  /** @type {string[]} */
  const notes = [];
  const started = await startFleets({
    ...options,
    notice: (n) => {
      notes.push(n);
      log(`NOTE: ${n}`);
    },
  });
  const nextAddress = addressPool();
  const addresses = Array.from({ length: count }, nextAddress);
  const youAddress = nextAddress();
  /** @param {Fleet} fleet */
  const side = (fleet) => {
    const users = createUsers(
      fleet.cluster.url,
      count,
      (
        (i) => () =>
          /** @type {string} */ (addresses[i++])
      )(0),
    );
    const record = (/** @type {VisitResult} */ r) => fleet.tally.record(r);
    const you = new VirtualUser({ baseUrl: fleet.cluster.url, name: 'you', address: youAddress });
    return {
      fleet,
      users,
      record,
      you,
      crowd: liveCrowd(users, record, { thinkMs }),
      last: /** @type {AddressMove | undefined} */ (undefined),
    };
  };
  const sides = /** @type {const} */ ([side(started.fleets[0]), side(started.fleets[1])]);
  const uniqueNotes = () => [...new Set(notes)];

  await Promise.all(sides.map(async (s) => s.record(await s.you.visit())));
  if (crowdOn) for (const s of sides) s.crowd.start();

  let kills = 0;
  let busy = false;

  const actions = {
    /** @param {{ running?: boolean } | undefined} body */
    async crowd(body) {
      const on = body?.running !== false;
      if (on) for (const s of sides) s.crowd.start();
      else await Promise.all(sides.map((s) => s.crowd.stop()));
      return on ? `the crowd is running: ${count} users on each fleet` : 'the crowd has stopped';
    },
    async kill() {
      const index = kills++ % sides[0].fleet.cluster.replicas.length;
      const pod = `replica-${index}`;
      if (sides.some((s) => !s.fleet.cluster.replicas[index]?.running)) {
        kills -= 1;
        throw Object.assign(new Error(`${pod} is still down from the last kill; wait until it is back`), { status: 409 });
      }
      await Promise.all(
        sides.map(async ({ fleet, users }) => {
          fleet.tally.markKill(pod, users);
          await fleet.cluster.kill(index, 'SIGKILL');
        }),
      );
      return `${pod} was killed (SIGKILL) on both fleets; it comes back in about a second, as Kubernetes restarts a pod`;
    },
    async scale() {
      const n = sides[0].fleet.cluster.replicas.length;
      if (n >= MAX_REPLICAS)
        throw Object.assign(new Error(`both fleets already have ${MAX_REPLICAS} replicas, the most this demo adds`), { status: 409 });
      await Promise.all(
        sides.map(async ({ fleet, users }) => {
          fleet.tally.markScale(`replica-${n}`, users);
          await fleet.cluster.addReplica();
          fleet.tally.markJoined();
        }),
      );
      return `replica-${n} joined both fleets`;
    },
    async address() {
      const to = nextAddress();
      await Promise.all(
        sides.map(async (side) => {
          const { you, record } = side;
          if (!you.signedIn) record(await you.visit());
          const from = you.address;
          const podBefore = you.pod;
          you.moveTo(to);
          const result = await you.visit();
          record(result);
          side.last = { from, to, podBefore, podAfter: result.pod, loggedOut: result.lost, ok: result.ok };
        }),
      );
      return `your requests now come from ${to}`;
    },
  };

  function state() {
    return {
      busy,
      notes: uniqueNotes(),
      crowd: { running: sides[0].crowd.running, users: count },
      fleets: sides.map(({ fleet, users, you, last }) => ({
        name: fleet.name,
        front: fleet.front,
        sessions: fleet.sessions,
        url: fleet.cluster.url,
        replicas: fleet.cluster.replicas.map((r) => ({ pod: r.pod, state: r.state })),
        users: users.length,
        signedIn: users.filter((u) => u.signedIn).length,
        tally: fleet.tally.snapshot(fleet.cluster.replicas.map((r) => r.pod)),
        you: { address: you.address, signedIn: you.signedIn, pod: you.pod, last },
      })),
    };
  }

  const server = createServer(async (req, res) => {
    /** @type {(status: number, body: object, headers?: Record<string, string>) => void} */
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    if (req.method === 'GET' && path === '/') {
      const page = dashboardPage();
      res.writeHead(200, page.headers);
      return void res.end(page.html);
    }
    if (req.method === 'GET' && path === '/api/state') return send(200, state());
    if (req.method === 'GET' && path === '/favicon.ico') return void res.writeHead(204).end();
    const name = /^\/api\/(crowd|kill|scale|address)$/.exec(path)?.[1];
    if (req.method !== 'POST' || !name) return send(404, { error: `Nothing at ${req.method} ${path}: the page is at /.` });
    if (busy) return send(409, { error: 'another action is under way; try again in a moment' });
    busy = true;
    try {
      const body = await readJson(req);
      return send(200, { ok: true, message: await actions[/** @type {keyof typeof actions} */ (name)](body) });
    } catch (error) {
      const { status = 500, message } = /** @type {Error & { status?: number }} */ (error);
      return send(status, { error: message });
    } finally {
      busy = false;
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;

  let stopped = false;
  return {
    url,
    fleets: started.fleets,
    backend: started.backend,
    notes: uniqueNotes(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
      await Promise.all(sides.map((s) => s.crowd.stop()));
      await started.stop();
    },
  };
}

/**
 * @param {IncomingMessage} req
 * @returns {Promise<any>} the parsed body, or undefined when there is none
 */
function readJson(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (/** @type {string} */ chunk) => {
      text += chunk;
      if (text.length > MAX_BODY) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
      }
    });
    req.once('end', () => {
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(Object.assign(new Error('the body must be JSON'), { status: 400 }));
      }
    });
    req.once('error', reject);
  });
}
