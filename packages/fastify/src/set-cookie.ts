import type { FastifyReply } from 'fastify';

/**
 * Adds a `Set-Cookie` value to the reply, keeping every one already there:
 * those set with `reply.header()`, by `@fastify/cookie`'s `reply.setCookie()`
 * (whose own onSend hook, before or after podsafe's, also appends), and those
 * set straight on `reply.raw`, which Fastify would otherwise override when it
 * writes its own `set-cookie` header.
 */
export function appendSetCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  if (existing === undefined) {
    // The usual case (no other cookie on this reply): nothing to keep, so nothing to remove and copy.
    reply.header('set-cookie', [cookie]);
    return;
  }
  const values = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.removeHeader('set-cookie');
  reply.header('set-cookie', [...values, cookie]);
}
