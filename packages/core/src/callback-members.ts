import type { ResolvedOptions } from './options.js';
import { sessionControls } from './session.js';
import { type NodeCallback, SessionCookieView, settle } from './session-cookie-view.js';

/**
 * The members that the express-session and `@fastify/session` spellings of a
 * session share, as property descriptors for an adapter's session prototype:
 * `save`, `destroy` and `reload` taking an optional Node-style callback (and
 * still returning a promise), and `cookie`, the ms-based view of the session's
 * lifetime, made once per session object. Each adapter adds the members whose
 * spelling differs between the libraries (`regenerate`, `touch`, ...).
 */
export function callbackSessionMembers(options: ResolvedOptions): PropertyDescriptorMap {
  const cookies = new WeakMap<object, SessionCookieView>();
  return {
    save: {
      value(this: object, callback?: NodeCallback) {
        return settle(sessionControls(this).save(), callback);
      },
    },
    destroy: {
      value(this: object, callback?: NodeCallback) {
        return settle(sessionControls(this).destroy(), callback);
      },
    },
    reload: {
      value(this: object, callback?: NodeCallback) {
        return settle(sessionControls(this).reload(), callback);
      },
    },
    cookie: {
      get(this: object) {
        let cookie = cookies.get(this);
        if (!cookie) {
          cookie = new SessionCookieView(this, options);
          cookies.set(this, cookie);
        }
        return cookie;
      },
    },
  };
}
