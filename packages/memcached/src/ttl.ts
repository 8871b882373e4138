/**
 * Turning a ttl in seconds into the expiration field memcached expects.
 *
 * Memcached reads that field three ways, and the naive `expires: ttl` gets two of
 * them wrong:
 * - `0` means "never expires", so a ttl that rounds down to 0 would keep a session forever;
 * - up to 30 days (2 592 000 s) it is relative to now;
 * - above that it is an absolute unix time, so a 40-day ttl sent as-is reads as a date
 *   in January 1970 and the item is gone at once.
 * Its clock also ticks once per second, so a relative `1` can expire almost at once.
 */

/** The largest expiration memcached reads as relative seconds (30 days); anything above is a unix time. */
export const MAX_RELATIVE_EXPIRATION = 2_592_000;

/** The largest value the binary protocol's 32-bit expiration field carries (a unix time in 2106). */
export const MAX_EXPIRATION = 0xffff_ffff;

/**
 * The expiration to send to memcached for a session that must live `ttl` seconds
 * from `now` (unix seconds, fractional). Never `0`.
 *
 * - A fractional ttl rounds up, then one second is added: memcached's clock is
 *   whole seconds and ticks once per second, so an item stored with a relative
 *   `n` lives between `n - 1` and `n` seconds. With the extra second it lives at
 *   least `ttl` and at most about `ttl + 1` seconds.
 * - When that exceeds 30 days it is sent as the absolute unix time `now + ttl`
 *   (rounded up, plus the same second), capped at the protocol's 32-bit maximum.
 *   Absolute times are read against memcached's own clock: keep the hosts on NTP.
 * - A ttl of 0 or less (already expired) becomes `1`: the shortest life memcached
 *   can express (gone at its next clock tick), never `0`, which would mean "forever".
 *
 * @throws RangeError when `ttl` or `now` is not a finite number: a bug in the
 *   caller, never something to turn into "keep forever".
 */
export function memcachedExpiration(ttl: number, now: number = Date.now() / 1000): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl)) {
    throw new RangeError(`A session ttl must be a finite number of seconds, got ${String(ttl)}.`);
  }
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new RangeError(`The current time must be finite unix seconds, got ${String(now)}.`);
  }
  if (ttl <= 0) return 1;
  const relative = Math.ceil(ttl) + 1;
  if (relative <= MAX_RELATIVE_EXPIRATION) return relative;
  // The floor keeps the value in the range memcached reads as absolute even for a nonsensical `now`.
  return Math.min(Math.max(Math.ceil(now + ttl) + 1, MAX_RELATIVE_EXPIRATION + 1), MAX_EXPIRATION);
}
