import { generateKeyPair } from 'jose';
import { describeClientSessionStore } from '@podsafe/testkit';
import { JwtStore } from './jwt-store.js';
import type { AsymmetricAlgorithm } from './keys.js';

// The ClientSessionStore contract for public-key setups, cache off so every token is verified.
async function keyStore(alg: AsymmetricAlgorithm, kid: string): Promise<JwtStore> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return new JwtStore({ keys: [{ kid, alg, privateKey, publicKey }], cacheSize: 0 });
}

describeClientSessionStore('JwtStore (EdDSA)', () => keyStore('EdDSA', 'ed-1'), {
  // Same kid, other key pair: only the signature tells them apart.
  foreign: () => keyStore('EdDSA', 'ed-1'),
});

describeClientSessionStore('JwtStore (ES256)', () => keyStore('ES256', 'es-1'), {
  foreign: () => keyStore('ES256', 'es-1'),
});
