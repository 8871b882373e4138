import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from 'jose';
import type { SessionDataRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';
import { DEFAULT_MAX_BYTES } from './options.js';

// Cookie sizes the README quotes: how much of the 4096-byte cookie a session takes.

/** About 1 KB of JSON, shaped like what apps keep in a session. */
function kilobyteOfData(): SessionDataRecord {
  const data: SessionDataRecord = {
    userId: 'u_8f14e45fceea167a5a36dedd4bea2543',
    email: 'zoe.yamada@example.com',
    roles: ['customer', 'beta'],
    csrf: randomBytes(24).toString('base64url'),
    cart: [] as Array<{ sku: string; qty: number }>,
  };
  while (JSON.stringify(data).length < 1024)
    (data.cart as Array<{ sku: string; qty: number }>).push({ sku: `SKU-${(data.cart as unknown[]).length + 10000}`, qty: 1 });
  return data;
}

async function stores(): Promise<Array<[string, JwtStore]>> {
  const secret = randomBytes(48).toString('base64');
  return [
    ['HS256 signed', new JwtStore({ secret })],
    ['HS256 encrypted (A256GCM)', new JwtStore({ secret, encrypt: true })],
    ['EdDSA signed', new JwtStore({ keys: [{ kid: 'k1', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) }] })],
    ['ES256 signed', new JwtStore({ keys: [{ kid: 'k1', alg: 'ES256', ...(await generateKeyPair('ES256')) }] })],
  ];
}

describe('token sizes', () => {
  it('an empty session and a session with ~1 KB of data fit well under the cookie limit', async () => {
    const data = kilobyteOfData();
    const rows: string[] = [];
    for (const [name, store] of await stores()) {
      const now = nowSeconds();
      const meta = { createdAt: now, lastSeenAt: now, version: 1 };
      const empty = await store.encode(generateSessionId(), { data: {}, meta }, 86_400);
      const kilobyte = await store.encode(generateSessionId(), { data, meta }, 86_400);
      expect(empty.length).toBeLessThan(600);
      expect(kilobyte.length).toBeLessThan(DEFAULT_MAX_BYTES);
      rows.push(
        `${name.padEnd(28)} empty: ${String(empty.length).padStart(4)} B   ~1 KB data (${JSON.stringify(data).length} B JSON): ${String(kilobyte.length).padStart(4)} B`,
      );
    }
    console.log(`JwtStore token sizes (cookie value only; default maxBytes ${DEFAULT_MAX_BYTES}):\n${rows.join('\n')}`);
  });

  it('the largest session data that fits the default limit (measured and printed)', async () => {
    const rows: string[] = [];
    for (const [name, store] of (await stores()).slice(0, 2)) {
      const now = nowSeconds();
      const meta = { createdAt: now, lastSeenAt: now, version: 1 };
      let low = 0;
      let high = 4096;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        const fits = await store.encode(generateSessionId(), { data: { blob: 'x'.repeat(mid) }, meta }, 86_400).then(
          () => true,
          () => false,
        );
        if (fits) low = mid;
        else high = mid - 1;
      }
      rows.push(`${name.padEnd(28)} largest data that fits: ${JSON.stringify({ blob: 'x'.repeat(low) }).length} B JSON`);
      expect(low).toBeGreaterThan(2000);
    }
    console.log(rows.join('\n'));
  });
});
