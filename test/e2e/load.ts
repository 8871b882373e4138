/**
 * Virtual users for the failover tests: each has its own cookie jar, logs in,
 * then increments its counter, checking every answer against what it knows
 * was acknowledged. A failed request is fine (a replica died under it); a
 * session that forgets its user or whose counter resets or goes backwards is
 * not.
 */
import { Browser } from '@podsafe/test-support/http';

/** Counts for the whole run, printed in the summary line. */
export class Tally {
  sent = 0;
  failed = 0;
  /** Times a user found its session gone or rewound. */
  lost = 0;
  /** Why requests failed: `HTTP 502`, `network ECONNRESET`... */
  readonly failures = new Map<string, number>();
  /** Every anomaly, for the assertion message. */
  readonly problems: string[] = [];

  #done = 0;
  #waiters: Array<{ target: number; resolve: () => void }> = [];

  /** Resolves once `count` more requests than now have completed (answered or failed). */
  afterMore(count: number): Promise<void> {
    const target = this.#done + count;
    return new Promise((resolve) => {
      this.#waiters.push({ target, resolve });
      this.#settle();
    });
  }

  /** @internal */
  completed(): void {
    this.#done += 1;
    this.#settle();
  }

  /** @internal */
  failure(reason: string): void {
    this.failed += 1;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
    this.completed();
  }

  describeFailures(): string {
    if (this.failures.size === 0) return 'none';
    return [...this.failures].map(([reason, n]) => `${reason} ×${n}`).join(', ');
  }

  #settle(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.#done < w.target) return true;
      w.resolve();
      return false;
    });
  }
}

interface SessionView {
  user: string | null;
  counter: number;
  pod: string;
}

export class VirtualUser {
  readonly browser: Browser;
  /** Increments the app acknowledged. */
  acked = 0;
  /** Increments that failed: each may or may not have been applied. */
  failed = 0;
  /** The counter as last acknowledged. */
  counter = 0;
  /** Set when the session was found lost: the user stops (every later answer would repeat the news). */
  lostSession = false;
  #failedSinceAck = 0;

  constructor(
    readonly name: string,
    url: string,
    private readonly tally: Tally,
  ) {
    this.browser = new Browser(url);
  }

  /** Logs in (all replicas are up at this point, so this must work first time). */
  async login(): Promise<void> {
    const reply = await this.browser.post('/api/login', { user: this.name });
    const body = reply.body as SessionView;
    if (reply.status !== 200 || body.user !== this.name || body.counter !== 0) {
      throw new Error(`${this.name} could not log in: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    this.counter = 0;
  }

  /** `count` increments, one after the other; never throws. */
  async increment(count: number): Promise<void> {
    for (let i = 0; i < count && !this.lostSession; i++) {
      this.tally.sent += 1;
      let status: number;
      let body: SessionView;
      try {
        const reply = await this.browser.post('/api/increment');
        status = reply.status;
        body = reply.body as SessionView;
      } catch (error) {
        this.#failed(`network ${causeCode(error)}`);
        continue;
      }
      if (status !== 200) {
        this.#failed(`HTTP ${status}`);
        continue;
      }
      if (body.user !== this.name || body.counter <= this.counter) {
        this.#lost(
          `${this.name}: after counter ${this.counter}, ${body.pod} answered user ${JSON.stringify(body.user)} counter ${body.counter}`,
        );
        continue;
      }
      if (body.counter > this.counter + 1 + this.#failedSinceAck) {
        this.tally.problems.push(
          `${this.name}: counter jumped from ${this.counter} to ${body.counter} with only ${this.#failedSinceAck} failed request(s) in between (an increment applied twice)`,
        );
      }
      this.counter = body.counter;
      this.acked += 1;
      this.#failedSinceAck = 0;
      this.tally.completed();
    }
  }

  /**
   * The session as the cluster has it now: still this user, and a counter that
   * counts every acknowledged increment plus at most every failed one.
   */
  async verify(): Promise<void> {
    if (this.lostSession) return;
    const reply = await this.browser.get('/api/session');
    const body = reply.body as SessionView;
    if (reply.status !== 200) {
      this.tally.problems.push(`${this.name}: final GET /api/session answered HTTP ${reply.status}`);
      return;
    }
    if (body.user !== this.name) {
      this.tally.lost += 1;
      this.tally.problems.push(`${this.name}: logged out at the end (user ${JSON.stringify(body.user)})`);
      return;
    }
    if (body.counter < this.acked || body.counter > this.acked + this.failed) {
      this.tally.problems.push(
        `${this.name}: final counter ${body.counter} is outside [${this.acked} acknowledged, ${this.acked + this.failed} acknowledged + failed]`,
      );
    }
  }

  #failed(reason: string): void {
    this.failed += 1;
    this.#failedSinceAck += 1;
    this.tally.failure(reason);
  }

  #lost(problem: string): void {
    this.lostSession = true;
    this.tally.lost += 1;
    this.tally.problems.push(problem);
    this.tally.completed();
  }
}

/** Creates and logs in `count` users, all at once. */
export async function loginUsers(url: string, count: number, tally: Tally, prefix: string): Promise<VirtualUser[]> {
  const users = Array.from({ length: count }, (_, i) => new VirtualUser(`${prefix}-${i}`, url, tally));
  await Promise.all(users.map((u) => u.login()));
  return users;
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
