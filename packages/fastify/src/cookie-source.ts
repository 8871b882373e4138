import type { FastifyRequest } from 'fastify';

/**
 * The `Cookie` header to hand the engine for the session cookie `name`.
 *
 * When `@fastify/cookie` has already parsed the header (`request.cookies` is an
 * object by the time podsafe's hook runs), the whole header is not parsed a
 * second time: the engine gets a one-pair header with just the session cookie,
 * re-encoded so that the engine's own decoding yields exactly the value
 * `@fastify/cookie` decoded. Otherwise (no `@fastify/cookie`, or it parses in a
 * later hook) the raw header goes through.
 */
export function sessionCookieHeader(request: FastifyRequest, name: string): string | undefined {
  // Read structurally: @fastify/cookie is optional, so its types may be absent.
  const parsed = (request as { cookies?: unknown }).cookies;
  if (parsed === null || typeof parsed !== 'object') return request.headers.cookie;
  const value = (parsed as Record<string, unknown>)[name];
  if (typeof value !== 'string') return undefined;
  try {
    return `${name}=${encodeURIComponent(value)}`;
  } catch {
    // A lone surrogate cannot be re-encoded; the raw header still carries the cookie.
    return request.headers.cookie;
  }
}
