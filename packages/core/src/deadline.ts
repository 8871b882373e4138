/**
 * Settles like `work`, or rejects with `onTimeout()` when `work` has not settled
 * within `seconds`. The timer is cleared as soon as `work` settles, so a
 * finished call leaves nothing behind that keeps the process alive. `work` may
 * be a function: a synchronous throw then rejects the same way.
 *
 * `onTimeout` runs only when the timer fires (an Error captures a stack, too
 * costly to make on every call), and may do more than make the error, e.g.
 * declare a silent connection dead.
 *
 * `onRejected`, when given, handles every rejection (the timeout's too) exactly as a
 * `.then(undefined, onRejected)` after the call would, without a second promise and
 * a second microtask on every store call.
 */
export function withDeadline<T>(
  work: Promise<T> | (() => Promise<T>),
  seconds: number,
  onTimeout: () => unknown,
  onRejected?: (error: unknown) => T,
): Promise<T> {
  // One promise and one timer per call, no Promise.race: this runs on every store call.
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (onRejected === undefined) return reject(error);
      try {
        resolve(onRejected(error));
      } catch (handled) {
        reject(handled);
      }
    };
    const timer = setTimeout(() => {
      settled = true;
      fail(onTimeout());
    }, seconds * 1000);
    let pending: Promise<T>;
    try {
      pending = typeof work === 'function' ? work() : work;
    } catch (error) {
      settled = true;
      clearTimeout(timer);
      fail(error);
      return;
    }
    Promise.resolve(pending).then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fail(error);
      },
    );
  });
}
