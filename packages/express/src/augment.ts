import type { ExpressSession } from './express-session-api.js';

declare global {
  // Express's own typing hook: every Request gets `session`.
  namespace Express {
    interface Request {
      /**
       * The podsafe session: data by property access (`req.session.views = 1`),
       * plus `id`, `regenerate()`, `destroy()`, `save()`, `setLifetime()` and
       * express-session's spelling (callbacks, `cookie.maxAge` in ms). Type the
       * data by augmenting `SessionData` from `@podsafe/core`.
       */
      session: ExpressSession;
      /** The session id, as express-session names it (the same as `req.session.id`). */
      readonly sessionID: string;
    }
  }
}
