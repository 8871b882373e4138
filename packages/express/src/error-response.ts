import type { ServerResponse } from 'node:http';
import { PodsafeError } from '@podsafe/core';

/**
 * Answers a request whose session could not be committed, replacing whatever
 * response the app had prepared (none of it has been sent). A store outage
 * becomes `503` with `Retry-After`; anything else a `500`.
 */
export function sendCommitError(res: ServerResponse, error: unknown, end: (body: string) => void): void {
  const podsafe = error instanceof PodsafeError ? error : undefined;
  const status = podsafe?.statusCode ?? 500;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(podsafe?.headers ?? {})) res.setHeader(name, value);
  res.statusCode = status;
  const body = status === 503 ? 'Service Unavailable: the session store is not answering. Retry shortly.\n' : 'Internal Server Error\n';
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  end(body);
}
