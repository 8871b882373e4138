/**
 * Settles like `work`, or rejects with `onTimeout()` when `work` has not settled
 * within `seconds`. The timer is cleared as soon as `work` settles, so a
 * finished call leaves nothing behind that keeps the process alive. `work` may
 * be a function: a synchronous throw then rejects the same way.
 *
 * `onTimeout` runs only when the timer fires (an Error captures a stack, too
 * costly to make on every call), and may do more than make the error, e.g.
 * declare a silent connection dead.
 */
export function withDeadline<T>(work: Promise<T> | (() => Promise<T>), seconds: number, onTimeout: () => unknown): Promise<T> {
  // One promise and one timer per call, no Promise.race: this runs on every store call.
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(onTimeout());
    }, seconds * 1000);
    const done = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      settle();
    };
    let pending: Promise<T>;
    try {
      pending = typeof work === 'function' ? work() : work;
    } catch (error) {
      done(() => reject(error));
      return;
    }
    Promise.resolve(pending).then(
      (value) => done(() => resolve(value)),
      (error: unknown) => done(() => reject(error)),
    );
  });
}
