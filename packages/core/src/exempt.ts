import { SessionConfigError } from './errors.js';

/**
 * Marks a request exempt from sessions: no cookie is read and no store call is made
 * for it, and reading `target.session` throws a {@link SessionConfigError} that says
 * which option exempted the route, rather than handing out `undefined` for code to
 * trip over later. Assigning `target.session` (another middleware setting its own)
 * replaces the marker with a plain property.
 *
 * @param target The request object the adapter decorates (Express `req`, Fastify `request`).
 * @param how The option that exempted it, for the message, e.g. "the `skip` option of session()".
 */
export function markSessionExempt(target: object, how: string): void {
  Object.defineProperty(target, 'session', {
    configurable: true,
    enumerable: false,
    get() {
      throw new SessionConfigError(
        `The session is not available on this request: the route is exempt from sessions by ${how}. ` +
          'Remove the route from that option to use a session there.',
      );
    },
    set(value: unknown) {
      Object.defineProperty(target, 'session', { value, writable: true, enumerable: true, configurable: true });
    },
  });
}
