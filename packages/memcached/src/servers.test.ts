import { describe, expect, it } from 'vitest';
import { parseServers } from './servers.js';

describe('parseServers', () => {
  it('reads one host:port', () => {
    expect(parseServers('10.0.0.5:11211')).toEqual([
      { name: '10.0.0.5:11211', host: '10.0.0.5', port: 11211, username: undefined, password: undefined },
    ]);
  });

  it('reads a comma-separated string and a list, trimming spaces, in order', () => {
    const names = ['cache-0.cache:11211', 'cache-1.cache:11212', 'cache-2.cache:11213'];
    expect(parseServers('cache-0.cache:11211, cache-1.cache:11212 ,cache-2.cache:11213').map((s) => s.name)).toEqual(names);
    expect(parseServers(names).map((s) => s.name)).toEqual(names);
    expect(parseServers(['cache-0.cache:11211,cache-1.cache:11212', 'cache-2.cache:11213']).map((s) => s.name)).toEqual(names);
  });

  it('defaults the port to 11211', () => {
    expect(parseServers('localhost')[0]).toMatchObject({ name: 'localhost:11211', port: 11211 });
  });

  it('reads bracketed IPv6 literals', () => {
    expect(parseServers('[fd00::5]:11212,[::1]')).toMatchObject([
      { name: '[fd00::5]:11212', host: 'fd00::5', port: 11212 },
      { name: '[::1]:11211', host: '::1', port: 11211 },
    ]);
  });

  it('reads SASL credentials but keeps them out of the name', () => {
    const [server] = parseServers('user:p@ss:word@cache.example.com:11211');
    expect(server).toEqual({
      name: 'cache.example.com:11211',
      host: 'cache.example.com',
      port: 11211,
      username: 'user',
      password: 'p@ss:word',
    });
  });

  it.each([
    [undefined, /string or a list/],
    [42, /string or a list/],
    [['a:1', 2], /string or a list/],
    ['', /empty/],
    [[], /empty/],
    ['a:1,,b:2', /empty entry/],
    ['a:1,', /empty entry/],
    ['memcached://a:11211', /URL scheme/],
    ['a b:11211', /whitespace/],
    ['fd00::5:11211', /brackets/],
    ['[fd00::5:11211', /IPv6/],
    [':11211', /no valid host/],
    ['a:', /invalid port/],
    ['a:0', /invalid port/],
    ['a:65536', /invalid port/],
    ['a:12x', /invalid port/],
    ['a:11211,a:11211', /listed twice/],
    ['a,a:11211', /listed twice/],
    [':secret@a:11211', /no user name/],
  ])('refuses %j with a SessionConfigError saying how to fix it', (servers, why) => {
    expect(() => parseServers(servers)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_CONFIG', message: expect.stringMatching(why) }),
    );
  });

  it('never repeats a password in an error', () => {
    expect(() => parseServers('user:hunter2@a:99999')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
