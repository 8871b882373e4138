import type { Session } from '@podsafe/core';

declare global {
  // Express's own typing hook: every Request gets `session`.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The podsafe session: data by property access (`req.session.views = 1`),
       * plus `id`, `regenerate()`, `destroy()`, `save()`. Type the data by
       * augmenting `SessionData` from `@podsafe/core`.
       */
      session: Session;
    }
  }
}

export {};
