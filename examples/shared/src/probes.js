// Liveness and readiness, as status + JSON body for either framework to send.
// Neither touches a session: probes must not create sessions nor depend on a cookie.

const PING_TIMEOUT_MS = 1000;

/** Liveness: the process answers. Never the store: a Redis outage must not get every pod restarted. */
export function liveness(replica) {
  return { status: 200, body: { status: 'ok', pod: replica.pod } };
}

/**
 * Readiness: this pod should get traffic. Fails while draining (shutdown has
 * begun) and while the store does not answer a ping within a second.
 *
 * The body says only the status: /readyz is reachable wherever the app is
 * (through the Ingress too), and the store's error names its address, port and
 * errno, which are nobody's business outside the cluster. `detail` carries that
 * error for the app's own log.
 * @param {{ ping?: () => Promise<unknown> }} store
 * @param {{ draining: boolean }} lifecycle
 * @param {{ pod: string }} replica
 * @returns {Promise<{ status: number, body: { status: string, pod: string }, detail?: string }>}
 */
export async function readiness(store, lifecycle, replica) {
  const { pod } = replica;
  if (lifecycle.draining) return { status: 503, body: { status: 'draining', pod } };
  try {
    await withTimeout(store.ping?.(), PING_TIMEOUT_MS);
    return { status: 200, body: { status: 'ready', pod } };
  } catch (error) {
    return { status: 503, body: { status: 'store-unavailable', pod }, detail: describeCause(error) };
  }
}

function withTimeout(promise, ms) {
  if (promise === undefined) return Promise.resolve();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the session store did not answer a ping within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The error and its causes in one line (podsafe's errors keep the store's own error, with the address, as `cause`). */
function describeCause(error) {
  const parts = [];
  for (let e = error; e && parts.length < 4; e = e.cause) parts.push(e.message ?? String(e));
  return parts.join(' <- ');
}
