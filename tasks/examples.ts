import { NonRetriable, Retry, task } from 'celeriac';
import * as v from 'valibot';

/**
 * I/O-like task: waits as a network call would, and honours the abort signal.
 *
 * @example
 * ```ts
 * await fetchPage.enqueue({ url: 'https://example.com', latencyMs: 50 });
 * ```
 */
export const fetchPage = task(
  'examples.fetch-page',
  { queue: 'default', timeout: '10s', tags: ['io'] },
  async (args: { url: string; latencyMs?: number }, ctx) => {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, args.latencyMs ?? 50);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    });
    return { url: args.url, status: 200, bytes: args.url.length * 100 };
  },
);

/** CPU task: counts primes below `limit`. */
export const countPrimes = task(
  'examples.count-primes',
  { queue: 'low', timeout: '30s', tags: ['cpu'] },
  ({ limit }: { limit: number }) => {
    const sieve = new Uint8Array(limit + 1);
    let count = 0;
    for (let i = 2; i <= limit; i++) {
      if (sieve[i]) continue;
      count++;
      for (let j = i * i; j <= limit; j += i) sieve[j] = 1;
    }
    return { limit, primes: count };
  },
);

/**
 * Fails on its first attempts, then succeeds: shows retry with backoff.
 * `failTimes` says how many attempts fail first.
 */
export const flaky = task(
  'examples.flaky',
  {
    queue: 'high',
    retry: { maxAttempts: 4, backoff: { type: 'exponential', base: '1s', cap: '4s', jitter: 'none' } },
  },
  (args: { failTimes: number }, ctx) => {
    if (ctx.attempt <= args.failTimes) throw new Error(`transient failure on attempt ${ctx.attempt}`);
    return { succeededOnAttempt: ctx.attempt };
  },
);

/** Always fails: ends in FAILURE, its message in the DLQ, after its retries. */
export const doomed = task(
  'examples.doomed',
  { queue: 'high', retry: { maxAttempts: 2, backoff: '1s' } },
  (args: { reason: string }) => {
    throw new Error(`doomed: ${args.reason}`);
  },
);

/** Fails at once, with no retries, through `NonRetriable`. */
export const rejectOrder = task('examples.reject-order', { queue: 'high' }, (args: { orderId: string }) => {
  throw new NonRetriable(`order ${args.orderId} cannot be processed`);
});

/** Asks for its own retry after a chosen delay, through `Retry`. */
export const pollUntilReady = task(
  'examples.poll-until-ready',
  { queue: 'default', retry: { maxAttempts: 5 } },
  (args: { readyOnAttempt: number }, ctx) => {
    if (ctx.attempt < args.readyOnAttempt) throw new Retry('1s', `not ready on attempt ${ctx.attempt}`);
    return { readyOnAttempt: ctx.attempt };
  },
);

/** Arguments checked by a schema at enqueue and again in the worker. */
export const sendWelcome = task(
  'examples.send-welcome',
  {
    queue: 'high',
    schema: v.object({ email: v.pipe(v.string(), v.email()), name: v.pipe(v.string(), v.minLength(1)) }),
  },
  async ({ email, name }, ctx) => {
    ctx.log.info('welcome prepared');
    return { to: email, subject: `Welcome, ${name}!` };
  },
);

/** Sleeps for `ms` while ignoring the abort signal (shows time limits). */
export const sleepy = task(
  'examples.sleepy',
  { queue: 'default', timeout: '2s', retry: { maxAttempts: 2, backoff: '1s' } },
  async (args: { ms: number }) => {
    await new Promise((resolve) => setTimeout(resolve, args.ms));
    return { slept: args.ms };
  },
);

/** Does nothing: the benchmark's task. */
export const noop = task('examples.noop', { queue: 'default' }, () => null);

/** Canvas example: `x + y`. */
export const add = task('examples.add', { queue: 'default' }, ({ x, y }: { x: number; y: number }) => x + y);

/** Canvas example: `x * y`. */
export const mul = task('examples.mul', { queue: 'default' }, ({ x, y }: { x: number; y: number }) => x * y);

/**
 * Canvas example: the sum of a list (a chord body).
 *
 * @example
 * ```ts
 * await chord([add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })], xsum.s()).apply(); // 6
 * ```
 */
export const xsum = task('examples.xsum', { queue: 'default' }, (numbers: number[]) =>
  numbers.reduce((a, b) => a + b, 0),
);
