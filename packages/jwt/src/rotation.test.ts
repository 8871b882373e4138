import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import type { SessionRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';

const record = (): SessionRecord => {
  const now = nowSeconds();
  return { data: { user: 'alice' }, meta: { createdAt: now, lastSeenAt: now, version: 1 } };
};

describe.each([false, true])('secret rotation (encrypt: %s)', (encrypt) => {
  const older = randomBytes(32).toString('base64');
  const newer = randomBytes(32).toString('base64');
  const before = new JwtStore({ secret: older, encrypt });
  const during = new JwtStore({ secret: [newer, older], encrypt });
  const after = new JwtStore({ secret: newer, encrypt });

  it('a token signed with an older secret decodes, with reissue: true', async () => {
    const token = await before.encode(generateSessionId(), record(), 600);
    expect(await during.decode(token)).toMatchObject({ record: { data: { user: 'alice' } }, reissue: true });
  });

  it('a token signed with the newest secret decodes with reissue: false', async () => {
    const token = await during.encode(generateSessionId(), record(), 600);
    expect(await during.decode(token)).toMatchObject({ reissue: false });
    expect(await after.decode(token)).toMatchObject({ reissue: false });
  });

  it('each secret has its own kid, so verification picks the key without trying the others', async () => {
    const oldKid = decodeProtectedHeader(await before.encode(generateSessionId(), record(), 600)).kid;
    const newKid = decodeProtectedHeader(await during.encode(generateSessionId(), record(), 600)).kid;
    expect(oldKid).not.toBe(newKid);
    expect(decodeProtectedHeader(await after.encode(generateSessionId(), record(), 600)).kid).toBe(newKid);
  });

  it('a token from a removed secret decodes to null', async () => {
    const token = await before.encode(generateSessionId(), record(), 600);
    expect(await after.decode(token)).toBeNull();
  });

  it('the same secret as a string or as its bytes is the same key', async () => {
    const asBytes = new JwtStore({ secret: Buffer.from(newer, 'utf8'), encrypt });
    expect(await asBytes.decode(await after.encode(generateSessionId(), record(), 600))).toMatchObject({ reissue: false });
  });
});

describe('switching encryption on or off logs nobody out', () => {
  const secret = randomBytes(32);
  const plain = new JwtStore({ secret });
  const encrypted = new JwtStore({ secret, encrypt: true });

  it('a signed token decodes in an encrypting store and is re-issued (encrypted)', async () => {
    expect(await encrypted.decode(await plain.encode(generateSessionId(), record(), 600))).toMatchObject({ reissue: true });
  });

  it('an encrypted token decodes in a store that no longer encrypts and is re-issued (signed)', async () => {
    expect(await plain.decode(await encrypted.encode(generateSessionId(), record(), 600))).toMatchObject({ reissue: true });
  });
});
