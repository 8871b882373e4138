import { Redis } from 'ioredis';

/**
 * Counts the commands clients send to a Redis while `work` runs, by name,
 * using MONITOR. Commands a Lua script runs inside Redis are left out: what is
 * counted is round trips, what a request costs on the wire.
 */
export class CommandCounter {
  readonly #admin: Redis;
  #monitor: Awaited<ReturnType<Redis['monitor']>> | undefined;

  constructor(url: string) {
    this.#admin = new Redis(url);
  }

  async during(work: () => Promise<unknown>): Promise<Record<string, number>> {
    this.#monitor ??= await this.#admin.monitor();
    const monitor = this.#monitor;
    const seen: string[] = [];
    const marker = `marker-${Math.random()}`;
    // The marker, sent after the work, arrives after every command of the work.
    const done = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve();
        else if (!source.includes('lua')) seen.push(args[0]!.toLowerCase());
      });
    });
    await work();
    await this.#admin.echo(marker);
    await done;
    monitor.removeAllListeners('monitor');
    const counts: Record<string, number> = {};
    for (const name of seen) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  }

  close(): void {
    this.#monitor?.disconnect();
    this.#admin.disconnect();
  }
}
