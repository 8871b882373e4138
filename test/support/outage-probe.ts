/**
 * Drives a store through a silent-network outage the way traffic would: one call at a
 * time, paced, until one succeeds. Records what the requests saw (how long each
 * took, when the first failure and the recovery came) so tests can print the numbers
 * without asserting on them; only the hang guard (`deadlineMs`) fails a test.
 */
import { SessionStoreUnavailableError } from '@podsafe/core';

export interface ProbeResult {
  /** Milliseconds from the start to the first call that failed, if any did. */
  firstFailureMs: number | undefined;
  /** Milliseconds from the start to the end of the first call that succeeded. */
  servedMs: number;
  /** Calls that failed before one succeeded. */
  failures: number;
  /** The longest any single call took, in milliseconds. */
  slowestCallMs: number;
}

/**
 * Calls `call` every `paceMs` (a request rate, not a synchronisation) until one
 * resolves. Every failure must be a `SessionStoreUnavailableError` (anything else
 * is rethrown). Rejects when nothing succeeded within `deadlineMs`: the hang guard.
 */
export async function probeUntilServed(
  call: () => Promise<unknown>,
  { deadlineMs = 10_000, paceMs = 100, start = Date.now() }: { deadlineMs?: number; paceMs?: number; start?: number } = {},
): Promise<ProbeResult> {
  let firstFailureMs: number | undefined;
  let failures = 0;
  let slowestCallMs = 0;
  let lastError: unknown;
  while (Date.now() - start < deadlineMs) {
    const began = Date.now();
    try {
      await call();
      slowestCallMs = Math.max(slowestCallMs, Date.now() - began);
      return { firstFailureMs, servedMs: Date.now() - start, failures, slowestCallMs };
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailableError)) throw error;
      lastError = error;
      slowestCallMs = Math.max(slowestCallMs, Date.now() - began);
      firstFailureMs ??= Date.now() - start;
      failures++;
    }
    await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
  throw new Error(
    `the store was not serving again ${deadlineMs} ms after the outage began (${failures} calls failed; last: ${String(lastError)})`,
  );
}

/**
 * Calls `call` every `paceMs` until `stop` resolves; every call must fail as
 * unavailable. Rejects when `stop` has not resolved within `deadlineMs` (the hang guard).
 */
export async function expectUnavailableUntil(
  call: () => Promise<unknown>,
  stop: Promise<unknown>,
  { paceMs = 100, deadlineMs = 10_000, what = 'the end of the outage' }: { paceMs?: number; deadlineMs?: number; what?: string } = {},
): Promise<{ calls: number; slowestCallMs: number }> {
  let done = false;
  void stop.then(
    () => (done = true),
    () => (done = true),
  );
  let calls = 0;
  let slowestCallMs = 0;
  const start = Date.now();
  while (!done) {
    if (Date.now() - start > deadlineMs) throw new Error(`${what} did not come within ${deadlineMs} ms (${calls} calls failed meanwhile)`);
    const began = Date.now();
    const outcome = await call().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    slowestCallMs = Math.max(slowestCallMs, Date.now() - began);
    calls++;
    if (!(outcome instanceof SessionStoreUnavailableError)) {
      throw new Error(`expected the call to fail as unavailable during the outage, got ${String(outcome)}`);
    }
    if (!done) await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, paceMs))]).catch(() => undefined);
  }
  return { calls, slowestCallMs };
}

/**
 * Background traffic: starts `call` every `everyMs` without waiting for the last one
 * (as concurrent requests do) until `stop()`, which resolves when every call has
 * settled. Outcomes are not judged here; a silent socket that keeps getting writes
 * is the shape that hides silence from idle-socket timers.
 */
export function steadyTraffic(call: () => Promise<unknown>, everyMs = 10): { stop(): Promise<number> } {
  const calls: Promise<unknown>[] = [];
  const timer = setInterval(() => calls.push(call().catch(() => undefined)), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(calls);
      return calls.length;
    },
  };
}

/** Prints a scenario's measured times (`[store, scenario] name=value ...`): the numbers the notes quote, never asserted. */
export function reportTimings(store: string, scenario: string, numbers: Record<string, number | undefined>): void {
  console.log(
    `[${store}, ${scenario}] ${Object.entries(numbers)
      .map(([k, v]) => `${k}=${v ?? '-'}`)
      .join(' ')}`,
  );
}

/** {@link reportTimings} for what {@link probeUntilServed} measured. */
export function reportProbe(store: string, scenario: string, probe: ProbeResult): void {
  reportTimings(store, scenario, {
    firstFailureMs: probe.firstFailureMs,
    servedAgainMs: probe.servedMs,
    failedCalls: probe.failures,
    slowestCallMs: probe.slowestCallMs,
  });
}
