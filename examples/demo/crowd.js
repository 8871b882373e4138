// Virtual users for the demo's two fleets: each has its own cookie jar and its
// own client address on the loopback network (127.0.0.2, 127.0.0.3...), so a
// front with client-address affinity sees them as different people, and
// "changing my address" is one bind to another address.
import { request } from 'node:http';
import { createServer } from 'node:net';

const REQUEST_TIMEOUT_MS = 5000;

/**
 * The `n`-th client address (0-based): 127.0.0.2 to 127.0.0.254, then
 * 127.0.1.2 and on, skipping .0, .1 and .255 of each block (127.0.0.1 is the
 * fronts' own address).
 * @param {number} n
 * @returns {string}
 */
export function clientAddress(n) {
  const block = Math.floor(n / 253);
  if (block > 255) throw new Error(`client address ${n} is beyond 127.0.255.254`);
  return `127.0.${block}.${2 + (n % 253)}`;
}

/**
 * Hands out client addresses, none twice.
 * @returns {() => string}
 */
export function addressPool() {
  let next = 0;
  return () => clientAddress(next++);
}

/**
 * Resolves when this machine lets a client bind to 127.0.0.2 (Linux routes all
 * of 127.0.0.0/8 to the loopback interface); rejects with what to do otherwise.
 * @returns {Promise<void>}
 */
export function checkClientAddresses() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) =>
      reject(
        new Error(
          `cannot use 127.0.0.2 as a client address (${/** @type {NodeJS.ErrnoException} */ (error).code}): the demo gives each virtual user its own loopback address. ` +
            'Linux has all of 127.0.0.0/8; on macOS add aliases first, e.g. `for i in $(seq 2 120); do sudo ifconfig lo0 alias 127.0.0.$i up; done`.',
        ),
      ),
    );
    server.listen(0, '127.0.0.2', () => server.close(() => resolve()));
  });
}

/** One person using a fleet: a cookie jar, a client address, signed in or not. */
export class VirtualUser {
  /**
   * @param {{ baseUrl: string, name: string, address: string, weight?: number }} spec
   *   `baseUrl`: the fleet's front; `weight`: how many requests this user makes per round (a busy user makes more)
   */
  constructor({ baseUrl, name, address, weight = 1 }) {
    this.baseUrl = baseUrl;
    this.name = name;
    this.address = address;
    this.weight = weight;
    /** @type {Map<string, string>} */
    this.jar = new Map();
    this.signedIn = false;
    /** Bumped at every login: requests of one sign-in share it. */
    this.login = 0;
    /** @type {string | undefined} the replica that answered last */
    this.pod = undefined;
  }

  /**
   * One request of a signed-in user (an increment), or a login when not
   * signed in. Resolves with what happened; never rejects.
   * @returns {Promise<VisitResult>}
   */
  async visit() {
    const wasSignedIn = this.signedIn;
    const login = this.login;
    const answer = wasSignedIn ? await this.#post('/api/increment', {}) : await this.#post('/api/login', { user: this.name });
    if (!answer.ok)
      return { user: this, kind: wasSignedIn ? 'visit' : 'login', ok: false, pod: answer.pod, lost: false, login, error: answer.error };
    this.pod = answer.pod;
    if (!wasSignedIn) {
      this.signedIn = true;
      this.login += 1;
      return { user: this, kind: 'login', ok: true, pod: answer.pod, lost: false, login: this.login };
    }
    // The replica did not know the session: the user is logged out (the answer came from a fresh, anonymous one).
    const lost = answer.body.user !== this.name;
    if (lost) this.signedIn = false;
    return { user: this, kind: 'visit', ok: true, pod: answer.pod, lost, login };
  }

  /**
   * From now on, requests leave from `address`: a new Wi-Fi, a mobile network, another NAT exit.
   * @param {string} address
   */
  moveTo(address) {
    this.address = address;
  }

  /**
   * @param {string} path
   * @param {object} body
   * @returns {Promise<{ ok: true, pod: string, body: any } | { ok: false, pod: string | undefined, error: string }>}
   */
  #post(path, body) {
    const payload = JSON.stringify(body);
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve) => {
      const req = request(
        this.baseUrl + path,
        {
          method: 'POST',
          localAddress: this.address,
          agent: false,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...(cookie ? { cookie } : {}),
          },
        },
        (res) => {
          this.#remember(res.headers['set-cookie'] ?? []);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.once('error', (error) => resolve({ ok: false, pod: undefined, error: error.message }));
          res.once('end', () => {
            let json;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            if (res.statusCode === 200 && json && typeof json.pod === 'string') resolve({ ok: true, pod: json.pod, body: json });
            else resolve({ ok: false, pod: json?.pod, error: `HTTP ${res.statusCode}${json?.error ? `: ${json.error}` : ''}` });
          });
        },
      );
      req.once('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.once('error', (error) => resolve({ ok: false, pod: undefined, error: error.message }));
      req.end(payload);
    });
  }

  /** @param {string[]} setCookies */
  #remember(setCookies) {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at < 1) continue;
      const name = pair.slice(0, at).trim();
      const gone = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (gone) this.jar.delete(name);
      else this.jar.set(name, pair.slice(at + 1).trim());
    }
  }
}

/**
 * @typedef {{
 *   user: VirtualUser,
 *   kind: 'login' | 'visit',
 *   ok: boolean,
 *   pod: string | undefined,
 *   lost: boolean,
 *   login: number,
 *   error?: string,
 * }} VisitResult `lost`: a signed-in user's request came back logged out. `login`: the sign-in the request was made under (0: none yet).
 */

/**
 * `count` users of the fleet at `baseUrl`, addresses from `nextAddress`. Every
 * fifth one is busy (4 requests where the others make 1): real crowds are
 * uneven, and affinity pins the busy ones.
 * @param {string} baseUrl
 * @param {number} count
 * @param {() => string} nextAddress
 * @returns {VirtualUser[]}
 */
export function createUsers(baseUrl, count, nextAddress) {
  return Array.from(
    { length: count },
    (_, i) =>
      new VirtualUser({ baseUrl, name: `user-${String(i + 1).padStart(2, '0')}`, address: nextAddress(), weight: i % 5 === 0 ? 4 : 1 }),
  );
}

/**
 * One round: every user makes `weight` requests, in order, users side by side
 * (at most `parallel` at once). `onResult` sees every request.
 * @param {readonly VirtualUser[]} users
 * @param {(result: VisitResult) => void} onResult
 */
export async function round(users, onResult, parallel = 8) {
  const queue = [...users];
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      for (let i = 0; i < user.weight; i++) onResult(await user.visit());
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, users.length) }, worker));
}

/**
 * Logs in every user who is not signed in.
 * @param {readonly VirtualUser[]} users
 * @param {(result: VisitResult) => void} onResult
 */
export async function signInAll(users, onResult, parallel = 8) {
  const queue = users.filter((u) => !u.signedIn);
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) onResult(await user.visit());
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
}

/**
 * Keeps `users` making requests until stopped: each waits a little between
 * requests (busy users less), as people do. The pause is the crowd's pace,
 * nothing waits on it.
 * @param {readonly VirtualUser[]} users
 * @param {(result: VisitResult) => void} onResult
 * @param {{ thinkMs?: number }} [options] `thinkMs`: the average pause between requests, in milliseconds
 */
export function liveCrowd(users, onResult, { thinkMs = 2000 } = {}) {
  let running = false;
  /** @type {Promise<void>[]} */
  let loops = [];
  const loop = async (/** @type {VirtualUser} */ user) => {
    while (running) {
      onResult(await user.visit());
      const pause = (thinkMs / user.weight) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, pause));
    }
  };
  return {
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      loops = users.map(loop);
    },
    /** Resolves once every user's request under way has come back. */
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
