// How an error becomes an answer, the same in both apps: the status and
// headers podsafe errors carry (503 + Retry-After when the store is down), a
// message that leaks nothing for 5xx, JSON for the API and a short page elsewhere.
import accepts from 'accepts';
import { renderErrorPage } from './page.js';

/**
 * @param {any} error whatever reached the framework's error handling
 * @returns {{ status: number, headers: Record<string, string>, message: string, outage: boolean }}
 *   `outage`: the store is down, worth one log line rather than a stack (it repeats on every request)
 */
export function describeError(error) {
  // Express's errors say `status`, Fastify's `statusCode`; podsafe's and ours carry both.
  const raw = error?.status ?? error?.statusCode;
  const status = Number.isInteger(raw) && raw >= 400 && raw <= 599 ? raw : 500;
  let message;
  if (status === 503) message = 'The session store is not answering. Retry shortly.';
  else if (status < 500 && error?.expose !== false) message = error.message;
  else message = 'Internal error.';
  return { status, headers: { ...error?.headers }, message, outage: status === 503 };
}

/**
 * The body of an error answer. `request` needs only `path` (no query string)
 * and `headers`; the API always gets JSON, other paths what `Accept` prefers.
 * @returns {{ type: 'json', body: { error: string } } | { type: 'html', body: string }}
 */
export function errorBody(status, message, request) {
  const json = request.path.startsWith('/api/') || accepts({ headers: request.headers }).types(['html', 'json']) === 'json';
  return json ? { type: 'json', body: { error: message } } : { type: 'html', body: renderErrorPage(status, message) };
}
