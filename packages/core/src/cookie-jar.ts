/**
 * Most cookies of the session's name tried per request. A browser holds one
 * per (domain, path) it was set for; more than a few means cookie tossing, and
 * each validly signed candidate costs a store read.
 */
export const MAX_SESSION_COOKIES = 4;

/**
 * Every value of cookie `name` in a `Cookie` request header, in header order
 * (at most `limit`). A sibling subdomain can set a cookie of the same name for
 * the parent domain ("cookie tossing"), and the browser then sends both, so the
 * engine tries each instead of trusting the first.
 *
 * Values are taken as sent, without percent-decoding: podsafe's cookie values
 * (base64url and `.`, or a JWT) never need it, and decoding would let many
 * different strings stand for one cookie.
 */
export function readCookies(header: string | undefined, name: string, limit = MAX_SESSION_COOKIES): string[] {
  const values: string[] = [];
  if (!header) return values;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    values.push(pair.slice(eq + 1).trim());
    if (values.length >= limit) break;
  }
  return values;
}
