import type { FastifyRequest } from 'fastify';
import { readCookies } from '@podsafe/core/adapter';

/**
 * The `Cookie` header to hand the engine for the session cookie `name`.
 *
 * When `@fastify/cookie` has already parsed the header (`request.cookies` is an
 * object by the time podsafe's hook runs), the whole header is not parsed a
 * second time: the engine gets a one-pair header with just the session cookie,
 * re-encoded so that the engine's own decoding yields exactly the value
 * `@fastify/cookie` decoded. But when that value is just the first cookie of
 * the name as the browser sent it, the raw header goes through instead: the
 * engine then tries every cookie of the name (a sibling subdomain may have
 * tossed in another), each exactly as sent. Otherwise (no `@fastify/cookie`, or it parses in a
 * later hook) the raw header goes through.
 */
export function sessionCookieHeader(request: FastifyRequest, name: string): string | undefined {
  // Read structurally: @fastify/cookie is optional, so its types may be absent.
  const parsed = (request as { cookies?: unknown }).cookies;
  if (parsed === null || typeof parsed !== 'object') return request.headers.cookie;
  const value = (parsed as Record<string, unknown>)[name];
  if (typeof value !== 'string') return undefined;
  const [first] = readCookies(request.headers.cookie, name, 1);
  if (first !== undefined && decoded(first) === value) return request.headers.cookie;
  try {
    return `${name}=${encodeURIComponent(value)}`;
  } catch {
    // A lone surrogate cannot be re-encoded; the raw header still carries the cookie.
    return request.headers.cookie;
  }
}

function decoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
