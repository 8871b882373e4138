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
    const start = `start-${Math.random()}`;
    const marker = `marker-${Math.random()}`;
    // MONITOR output arrives late: the start marker, seen before the work begins, fences
    // off commands sent before it; the end marker, sent after the work, arrives after
    // every command of the work.
    let open = false;
    let opened!: () => void;
    const started = new Promise<void>((resolve) => (opened = resolve));
    const done = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        const echo = args[0]?.toLowerCase() === 'echo';
        if (echo && args[1] === start) {
          open = true;
          opened();
        } else if (echo && args[1] === marker) resolve();
        else if (open && !source.includes('lua')) seen.push(args[0]!.toLowerCase());
      });
    });
    await this.#admin.echo(start);
    await started;
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
