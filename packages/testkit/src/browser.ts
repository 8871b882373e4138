/** A reply as {@link Browser} saw it. */
export interface Reply {
  /** HTTP status code. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** Every `Set-Cookie` header of the reply. */
  setCookies: string[];
  /** The body, parsed as JSON when it is JSON, else the text. */
  body: unknown;
}

/** A tiny browser stand-in over real HTTP (fetch plus a cookie jar): one user's cookie jar, as a browser keeps it (name → value; expired cookies dropped). */
export class Browser {
  /** The jar: cookie name → value. */
  readonly cookies = new Map<string, string>();

  /** @param baseUrl the app's URL; requests go to paths under it (change it to send the same cookies to another instance). */
  constructor(public baseUrl: string) {}

  /** Sends a request with the jar's cookies and stores the cookies the reply sets. */
  async request(method: string, path: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) headers.cookie = cookie;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      redirect: 'manual',
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.#store(line);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, setCookies, body };
  }

  /** `GET path` with the jar's cookies. */
  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.request('GET', path, { headers });
  }

  /** `POST path` with a JSON body (`{}` when none) and the jar's cookies. */
  post(path: string, json?: unknown, headers?: Record<string, string>): Promise<Reply> {
    return this.request('POST', path, { json: json ?? {}, headers });
  }

  /** A second browser holding a copy of this one's cookies (the same user in another tab, or an attacker with a copied cookie). */
  clone(baseUrl = this.baseUrl): Browser {
    const copy = new Browser(baseUrl);
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }

  #store(line: string): void {
    const [pair, ...attributes] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** The attributes of a `Set-Cookie` line, lower-cased names. */
export function cookieAttributes(line: string): Map<string, string> {
  const [, ...attributes] = line.split(';');
  return new Map(
    attributes.map((a) => {
      const [k, ...v] = a.trim().split('=');
      return [k!.toLowerCase(), v.join('=')] as [string, string];
    }),
  );
}
