// What the app does with a session, written once against podsafe's `Session`
// (Express's `req.session` and Fastify's `request.session` are the same type),
// so the two apps cannot drift apart in what they store or answer.
//
// Session data this app keeps (TypeScript apps declare it by augmenting
// `SessionData` from '@podsafe/core'):
//   user?: string     who logged in (set after regenerate())
//   counter?: number  increments, 0 when absent

const MAX_NAME_LENGTH = 64;

/**
 * Paths that never touch a session (probes, metrics, the favicon): exempt from the
 * session middleware, so a kubelet probing every few seconds costs the store nothing.
 * Static files, if the app served any, would go here too.
 */
export const SESSIONLESS_PATHS = ['/healthz', '/readyz', '/metrics', '/favicon.ico', '/api/kill'];

/**
 * The JSON every session answer carries: who is logged in, the counter, and
 * which replica answered (the demo is about that last part).
 * @param {import('@podsafe/core').Session} session
 * @param {{ pod: string, pid: number }} replica
 */
export function sessionView(session, replica) {
  return { user: session.user ?? null, counter: session.counter ?? 0, pod: replica.pod, pid: replica.pid };
}

/**
 * The page's buttons. Each app serves every action twice: `POST /api/<name>`
 * answers the returned JSON (the page's script), `POST /<name>` redirects back
 * to the page (its forms, when JavaScript is off).
 * @type {Record<string, (session: import('@podsafe/core').Session, body: unknown, replica: { pod: string, pid: number }) => Promise<object>>}
 */
export const ACTIONS = {
  async login(session, body, replica) {
    const user = typeof body?.user === 'string' ? body.user.trim() : '';
    if (user === '' || user.length > MAX_NAME_LENGTH) {
      throw badRequest(`"user" must be a name of 1 to ${MAX_NAME_LENGTH} characters.`);
    }
    // A new id at login: a session id planted before login is worthless after it.
    await session.regenerate();
    session.user = user;
    return sessionView(session, replica);
  },

  // Anonymous visitors too: that creates their session.
  async increment(session, _body, replica) {
    session.counter = (session.counter ?? 0) + 1;
    return sessionView(session, replica);
  },

  async logout(session, _body, replica) {
    await session.destroy();
    return { ok: true, pod: replica.pod, pid: replica.pid };
  },

  // "Your sessions": sign out one device by the handle the panel showed...
  async 'sign-out-device'(session, body, replica) {
    const handle = typeof body?.handle === 'string' ? body.handle : '';
    if (handle === '') throw badRequest('"handle" must name one of your sessions (from GET /api/sessions).');
    const signedOut = await perUser(() => session.destroyUserSession(handle));
    return { ...sessionView(session, replica), signedOut: signedOut ? 1 : 0 };
  },

  // ...or every device but this one.
  async 'sign-out-others'(session, _body, replica) {
    const signedOut = await perUser(() => session.destroyUserSessions({ keepCurrent: true }));
    return { ...sessionView(session, replica), signedOut };
  },
};

/**
 * The "Your sessions" panel's data: the logged-in user's devices, most recently
 * seen first, or `available: false` where the backend keeps no per-user index.
 * @param {import('@podsafe/core').Session} session
 * @param {boolean} available whether the app runs with `userKey`
 */
export async function sessionsView(session, available) {
  if (!available || session.user === undefined) return { available, sessions: [] };
  const sessions = await session.listUserSessions();
  return {
    available,
    sessions: sessions.map(({ handle, current, createdAt, lastSeenAt, userAgent }) => ({
      handle,
      current,
      createdAt,
      lastSeenAt,
      userAgent: userAgent ?? null,
    })),
  };
}

/** Runs a per-user call; without the index (memcached, JWT) the client is told so, rather than a 500. */
async function perUser(call) {
  try {
    return await call();
  } catch (error) {
    if (error?.name === 'SessionConfigError')
      throw badRequest('Signing out other devices needs the redis backend (SESSION_BACKEND=redis).');
    throw error;
  }
}

/** A client mistake, in the shape both frameworks' error handling reads (`status` for Express, `statusCode` for Fastify). */
function badRequest(message) {
  return Object.assign(new Error(message), { status: 400, statusCode: 400, expose: true });
}
