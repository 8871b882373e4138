import { optionParser } from '@podsafe/core/store';

/** The port memcached listens on unless told otherwise. */
export const DEFAULT_PORT = 11211;

/** One memcached server from the `servers` option. */
export interface ServerAddress {
  /**
   * `host:port` (`[v6]:port` for an IPv6 literal), never the credentials: the
   * server's identity on the hash ring and its name in error messages.
   */
  name: string;
  /** Host name or IP address, IPv6 without brackets (what `net.connect` takes). */
  host: string;
  /** TCP port. */
  port: number;
  /** SASL user name, from `user:password@host:port`. */
  username: string | undefined;
  /** SASL password, from `user:password@host:port`. */
  password: string | undefined;
}

const fail: (message: string) => never = optionParser('MemcachedStore').fail;

const EXAMPLE = `e.g. "cache-0.cache:11211,cache-1.cache:11211" or ["10.0.0.5:11211", "10.0.0.6:11211"]`;

/**
 * Parses the `servers` option: a string of comma-separated servers, or a list of
 * them (an entry may itself hold several). Each is `host[:port]`, `[ipv6][:port]`
 * or `user:password@host[:port]`; the port defaults to 11211.
 */
export function parseServers(servers: unknown): ServerAddress[] {
  const entries = typeof servers === 'string' ? [servers] : servers;
  if (!Array.isArray(entries) || entries.some((entry) => typeof entry !== 'string')) {
    fail(`servers must be a string or a list of strings (got ${describe(servers)}), ${EXAMPLE}.`);
  }
  const parts = (entries as string[]).flatMap((entry) => entry.split(',')).map((part) => part.trim());
  if (parts.length === 0 || parts.every((part) => part === '')) fail(`servers is empty: list at least one memcached server, ${EXAMPLE}.`);
  if (parts.some((part) => part === '')) fail(`servers ${JSON.stringify(servers)} has an empty entry (a stray comma?), ${EXAMPLE}.`);

  const parsed = parts.map(parseServer);
  const seen = new Set<string>();
  for (const server of parsed) {
    if (seen.has(server.name)) fail(`server ${server.name} is listed twice in servers; list each server once.`);
    seen.add(server.name);
  }
  return parsed;
}

function parseServer(entry: string): ServerAddress {
  if (entry.includes('://')) fail(`server ${JSON.stringify(entry)} has a URL scheme; give host:port, e.g. "cache-0.cache:11211".`);
  if (/\s/.test(entry)) fail(`server ${JSON.stringify(entry)} contains whitespace; give host:port, e.g. "cache-0.cache:11211".`);

  let username: string | undefined;
  let password: string | undefined;
  let address = entry;
  const at = entry.lastIndexOf('@');
  if (at !== -1) {
    const userInfo = entry.slice(0, at);
    address = entry.slice(at + 1);
    const colon = userInfo.indexOf(':');
    username = colon === -1 ? userInfo : userInfo.slice(0, colon);
    password = colon === -1 ? '' : userInfo.slice(colon + 1);
    if (!username) fail(`a server in servers has "@" but no user name before it; use user:password@host:port.`);
  }
  // Credentials never reach a message from here on.
  const shown = JSON.stringify(address);

  let host: string;
  let portText: string | undefined;
  if (address.startsWith('[')) {
    const match = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(address);
    if (!match) fail(`server ${shown} is not a valid [IPv6]:port address, e.g. "[fd00::5]:11211".`);
    host = match[1]!;
    portText = match[2];
  } else {
    const colons = address.split(':').length - 1;
    if (colons > 1) fail(`server ${shown} looks like an IPv6 address: put it in brackets, e.g. "[${address}]:11211".`);
    [host, portText] = address.split(':') as [string, string | undefined];
  }
  if (host === '' || /[/?#@]/.test(host)) fail(`server ${shown} has no valid host; give host:port, e.g. "cache-0.cache:11211".`);

  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535))
      fail(`server ${shown} has an invalid port ${JSON.stringify(portText)}; use 1 to 65535 (memcached's default is ${DEFAULT_PORT}).`);
  }
  const name = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { name, host, port, username, password };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value) ?? typeof value;
}
