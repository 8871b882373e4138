/**
 * Latches that let a test hold a request inside a handler (after its session
 * was loaded) until the test releases it: the event-driven way to stage a
 * race such as "logout lands while a slower request is still running".
 */
const gates = new Map<string, { promise: Promise<void>; release: () => void; reached: Promise<void>; arrive: () => void }>();

function gate(name: string) {
  let entry = gates.get(name);
  if (!entry) {
    let release!: () => void;
    let arrive!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    const reached = new Promise<void>((r) => (arrive = r));
    entry = { promise, release, reached, arrive };
    gates.set(name, entry);
  }
  return entry;
}

/** Called by a handler: announces it got here, then waits for the test. */
export async function waitAtGate(name: string): Promise<void> {
  const entry = gate(name);
  entry.arrive();
  await entry.promise;
}

/** Resolves when a handler has reached the gate. */
export function reachedGate(name: string): Promise<void> {
  return gate(name).reached;
}

/** Lets the handler waiting at the gate go on. */
export function openGate(name: string): void {
  gate(name).release();
}
