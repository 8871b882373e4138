import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { create, newId, update } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';

interface Seen {
  /** Commands as the server received them from clients: the round trips. */
  sent: string[][];
  /** Commands run inside scripts. */
  scripted: string[][];
}

/**
 * Counts what an operation costs with MONITOR on a private Redis (nothing else talks
 * to it). MONITOR shows client commands and, separately (source "lua"), the commands a
 * script runs, which INFO commandstats would lump together.
 */
describe('RedisStore command cost (MONITOR on a private Redis)', () => {
  let redis: ServerProcess & { url: string };
  let store: RedisStore;
  let monitor: Redis;
  let admin: Redis;
  let markers = 0;

  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore({ url: redis.url, prefix: 'cost:' });
    admin = new Redis(redis.url);
    // Warm up: ioredis sends each script's source with EVAL once per connection, then EVALSHA.
    const warm = newId();
    await store.save(warm, create({ a: 1 }), 60);
    await store.touch(warm, Date.now() / 1000, 60);
    monitor = await new Redis(redis.url).monitor();
  });

  afterAll(async () => {
    monitor?.disconnect();
    await admin?.quit();
    await store?.close();
    await redis?.stop();
  });

  /** Resolves when MONITOR shows the ECHO of `marker`. */
  function markerSeen(marker: string): Promise<void> {
    return new Promise((resolve) => {
      const onCommand = (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() !== 'echo' || args[1] !== marker) return;
        monitor.off('monitor', onCommand);
        resolve();
      };
      monitor.on('monitor', onCommand);
    });
  }

  /**
   * What `operation` sent. MONITOR output arrives asynchronously, so the window is
   * fenced with two ECHO markers from another connection: everything sent before the
   * operation started shows up before the first, everything it sent before the second.
   */
  async function costOf(operation: () => Promise<unknown>): Promise<Seen> {
    const seen: Seen = { sent: [], scripted: [] };
    const start = `podsafe-start-${++markers}`;
    const end = `podsafe-end-${markers}`;
    let open = false;
    const onCommand = (_time: string, args: string[], source: string) => {
      const name = args[0]!.toLowerCase();
      if (name === 'echo' && args[1] === start) open = true;
      else if (name === 'echo' && args[1] === end) open = false;
      else if (open) (source === 'lua' ? seen.scripted : seen.sent).push([name, ...args.slice(1)]);
    };
    monitor.on('monitor', onCommand);
    try {
      const started = markerSeen(start);
      await admin.echo(start);
      await started;
      await operation();
      const ended = markerSeen(end);
      await admin.echo(end);
      await ended;
    } finally {
      monitor.off('monitor', onCommand);
    }
    return seen;
  }

  /** Names of the commands, and every key argument, for the assertions. */
  const names = (commands: string[][]) => commands.map((command) => command[0]);

  it('get = one HGETALL', async () => {
    const id = newId();
    await store.save(id, create({ a: 1 }), 60);
    const { sent, scripted } = await costOf(() => store.get(id));
    expect(sent).toEqual([['hgetall', `cost:${id}`]]);
    expect(scripted).toEqual([]);
  });

  it('save (new and update) = one EVALSHA, whose script touches only the session key', async () => {
    const id = newId();
    for (const operation of [
      () => store.save(id, create({ a: 1, b: 2 }), 60),
      () => store.save(id, update({ a: 1, b: 2 }, { c: 3 }, ['b']), 60),
    ]) {
      const { sent, scripted } = await costOf(operation);
      expect(names(sent)).toEqual(['evalsha']);
      expect(sent[0]!.slice(2, 4)).toEqual(['1', `cost:${id}`]);
      expect(scripted.length).toBeGreaterThan(0);
      for (const command of scripted) expect(command[1]).toBe(`cost:${id}`);
    }
  });

  it('a whole-session write (new record) runs HSET, HLEN, PEXPIRE when the fields are those already there; UNLINK only when others were left', async () => {
    const id = newId();
    expect(names((await costOf(() => store.save(id, create({ a: 1, b: 2 }), 60))).scripted)).toEqual(['hset', 'hlen', 'pexpire']);
    // express-session writes the whole session again on every change, with the same keys.
    expect(names((await costOf(() => store.save(id, create({ a: 3, b: 4 }), 60))).scripted)).toEqual(['hset', 'hlen', 'pexpire']);
    expect((await store.get(id))?.data).toEqual({ a: 3, b: 4 });
    // A key gone from the whole session: the leftover field must not survive, so the hash is replaced.
    expect(names((await costOf(() => store.save(id, create({ a: 5 }), 60))).scripted)).toEqual([
      'hset',
      'hlen',
      'exists',
      'unlink',
      'hset',
      'pexpire',
    ]);
    expect((await store.get(id))?.data).toEqual({ a: 5 });
    expect(await admin.hkeys(`cost:${id}`)).toEqual(expect.arrayContaining(['m:c', 'm:l', 'm:v', 'd:a']));
    expect(await admin.hlen(`cost:${id}`)).toBe(4);
  });

  it('touch = one EVALSHA, whose script touches only the session key', async () => {
    const id = newId();
    await store.save(id, create({ a: 1 }), 60);
    const { sent, scripted } = await costOf(() => store.touch(id, Date.now() / 1000, 60));
    expect(names(sent)).toEqual(['evalsha']);
    expect(names(scripted)).toEqual(['hmget', 'hset', 'pexpire']);
    for (const command of scripted) expect(command[1]).toBe(`cost:${id}`);
  });

  it('destroy = one UNLINK; ping = one PING', async () => {
    const id = newId();
    await store.save(id, create({ a: 1 }), 60);
    expect((await costOf(() => store.destroy(id))).sent).toEqual([['unlink', `cost:${id}`]]);
    expect((await costOf(() => store.ping())).sent).toEqual([['ping']]);
  });

  it('a refused update writes nothing', async () => {
    const id = newId();
    const { sent, scripted } = await costOf(() => store.save(id, update({}, { a: 1 }), 60));
    expect(names(sent)).toEqual(['evalsha']);
    expect(names(scripted)).toEqual(['hmget']);
  });

  // Redis CPU per write is mostly per command run inside the script: an update is
  // exactly one read of the meta, one HSET of meta and data together, one PEXPIRE.
  it('an update runs HMGET, one HSET (meta and data together), HDEL only for removed keys, PEXPIRE', async () => {
    const id = newId();
    await store.save(id, create({ a: 1, b: 2 }), 60);
    const set = await costOf(() => store.save(id, update({ a: 1, b: 2 }, { c: 3, d: 4 }), 60));
    expect(names(set.scripted)).toEqual(['hmget', 'hset', 'pexpire']);
    expect(set.scripted[1]).toEqual(expect.arrayContaining(['m:l', 'm:v', 'd:c', '3', 'd:d', '4']));
    const removed = await costOf(() => store.save(id, update({ a: 1, b: 2, c: 3, d: 4 }, { c: 5 }, ['d']), 60));
    expect(names(removed.scripted)).toEqual(['hmget', 'hset', 'hdel', 'pexpire']);
    expect((await store.get(id))?.data).toEqual({ a: 1, b: 2, c: 5 });
  });

  it('INFO commandstats agrees: one HGETALL, EVALSHA, EVALSHA, UNLINK (commands run by the scripts are listed too, which is why MONITOR is the measure above)', async () => {
    const id = newId();
    await store.save(id, create({ a: 1 }), 60);
    const calls = async (operation: () => Promise<unknown>): Promise<Record<string, number>> => {
      await admin.config('RESETSTAT');
      await operation();
      const stats = await admin.info('commandstats');
      const counted: Record<string, number> = {};
      for (const [, name, count] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (!/^(config|info)(\||$)/.test(name!)) counted[name!] = Number(count);
      }
      return counted;
    };
    expect(await calls(() => store.get(id))).toEqual({ hgetall: 1 });
    expect(await calls(() => store.save(id, update({ a: 1 }, { b: 2 }), 60))).toMatchObject({ evalsha: 1 });
    expect(await calls(() => store.touch(id, Date.now() / 1000, 60))).toMatchObject({ evalsha: 1 });
    expect(await calls(() => store.destroy(id))).toEqual({ unlink: 1 });
  });
});
