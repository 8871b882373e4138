/**
 * `@podsafe/jwt`: a client-side session store for podsafe. The session lives in
 * a signed (optionally encrypted) JWT cookie made with jose, so replicas share
 * nothing and any of them can serve any request.
 *
 * ```ts
 * import { session } from '@podsafe/express';
 * import { JwtStore } from '@podsafe/jwt';
 * app.use(session({ store: new JwtStore({ secret: process.env.SESSION_SECRET! }) }));
 * ```
 *
 * @packageDocumentation
 */
export { JwtStore } from './jwt-store.js';
export { DEFAULT_MAX_BYTES, type JwtStoreOptions } from './options.js';
export type { JwtKey, KeyInput, HmacAlgorithm, AsymmetricAlgorithm, SigningAlgorithm } from './keys.js';
export { TOKEN_TYPE } from './claims.js';
