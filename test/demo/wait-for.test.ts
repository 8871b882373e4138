import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@podsafe/example-demo/net';

// The demo's one helper for "wait until an event makes this true": what it
// resolves, what it rejects, and that it leaves no listener behind.
describe('demo waitFor()', () => {
  const watching = (events: EventEmitter) => (recheck: () => void, fail: (error: Error) => void) => {
    events.on('change', recheck);
    events.on('broken', fail);
    return () => {
      events.off('change', recheck);
      events.off('broken', fail);
    };
  };
  const options = { timeoutMs: 60_000, timeoutError: () => new Error('timed out') };

  it('resolves once an event makes the condition true, and unsubscribes', async () => {
    const events = new EventEmitter();
    let ready = false;
    const waiting = waitFor({ until: () => ready, watch: watching(events), ...options });
    events.emit('change');
    ready = true;
    events.emit('change');
    await expect(waiting).resolves.toBeUndefined();
    expect(events.listenerCount('change') + events.listenerCount('broken')).toBe(0);
  });

  it('rejects when the watcher fails, even with no error value', async () => {
    const events = new EventEmitter();
    const waiting = waitFor({ until: () => false, watch: watching(events), ...options });
    events.emit('broken', undefined);
    await expect(waiting).rejects.toThrow(/watcher failed/);
    expect(events.listenerCount('change')).toBe(0);
  });

  it('rejects with what the condition throws', async () => {
    const events = new EventEmitter();
    const waiting = waitFor({
      until: () => {
        throw new Error('refused');
      },
      watch: watching(events),
      ...options,
    });
    await expect(waiting).rejects.toThrow('refused');
  });

  it('rejects with timeoutError() when nothing makes it true in time', async () => {
    const events = new EventEmitter();
    await expect(
      waitFor({ until: () => false, watch: watching(events), timeoutMs: 1, timeoutError: () => new Error('late') }),
    ).rejects.toThrow('late');
    expect(events.listenerCount('change')).toBe(0);
  });
});
