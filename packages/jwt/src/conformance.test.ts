import { randomBytes } from 'node:crypto';
import { MemoryStore } from '@podsafe/core';
import { describeClientSessionStore } from '@podsafe/testkit';
import { JwtStore } from './jwt-store.js';

// The ClientSessionStore contract for shared-secret setups. A store decodes
// what it encoded from its cache, so most runs turn the cache off to put every
// token through verification (or decryption).
const secret = () => randomBytes(48).toString('base64url');

describeClientSessionStore('JwtStore (HS256, defaults)', () => new JwtStore({ secret: secret() }), {
  foreign: () => new JwtStore({ secret: secret() }),
});

describeClientSessionStore('JwtStore (HS256, cache off)', () => new JwtStore({ secret: secret(), cacheSize: 0 }), {
  foreign: () => new JwtStore({ secret: secret() }),
});

describeClientSessionStore('JwtStore (encrypted, cache off)', () => new JwtStore({ secret: secret(), encrypt: true, cacheSize: 0 }), {
  foreign: () => new JwtStore({ secret: secret(), encrypt: true }),
});

// Everything at once, cache on: a cached token must still be checked against the revocation list.
const revocation = new MemoryStore();
describeClientSessionStore(
  'JwtStore (HS512, issuer/audience, encrypted, revocation in MemoryStore)',
  () => new JwtStore({ secret: randomBytes(64), algorithm: 'HS512', issuer: 'podsafe-test', audience: 'app', encrypt: true, revocation }),
  {
    revokes: true,
    foreign: () => new JwtStore({ secret: randomBytes(64), algorithm: 'HS512', issuer: 'podsafe-test', audience: 'app', encrypt: true }),
    // The app owns the revocation store: JwtStore.close() leaves it open.
    cleanup: () => revocation.close(),
  },
);
