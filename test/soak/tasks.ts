import { AsyncLocalStorage } from 'node:async_hooks';
import { createRegistry, task } from '../../runtime/internal.js';

/**
 * The execution environment a body runs in (set by the soak's handler): a body whose
 * environment was killed never returns, as its process would be gone.
 */
export const environmentSignal = new AsyncLocalStorage<AbortSignal>();

/** What the soak's bodies did, per task id (one process holds every lane). */
export interface BodyLog {
  /** Bodies that returned, per id: more than one is a body run twice. */
  readonly returned: Map<string, number>;
}

export const log: BodyLog = { returned: new Map() };

/** A few ms of awaited work, so a kill can land mid-body. */
const work = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));

async function done<R>(id: string, value: R): Promise<R> {
  if (environmentSignal.getStore()?.aborted) await new Promise<never>(() => undefined);
  log.returned.set(id, (log.returned.get(id) ?? 0) + 1);
  return value;
}

export const double = task('soak.double', {}, async ({ n }: { n: number }, ctx) => {
  await work();
  return done(ctx.id, n * 2);
});

export const inc = task('soak.inc', {}, async (x: number, ctx) => {
  await work();
  return done(ctx.id, x + 1);
});

export const charge = task('soak.charge', { runOnce: true }, async ({ n }: { n: number }, ctx) => {
  await work();
  return done(ctx.id, { charged: n });
});

export const member = task('soak.member', {}, async ({ n }: { n: number }, ctx) => {
  await work();
  return done(ctx.id, n);
});

export const total = task('soak.total', {}, async (values: number[], ctx) => {
  await work();
  return done(
    ctx.id,
    values.reduce((a, b) => a + b, 0),
  );
});

/** Fails its first attempt (a downstream blip), then succeeds. */
export const bumpy = task(
  'soak.bumpy',
  { retry: { maxAttempts: 4, backoff: { type: 'fixed', base: '1s', jitter: 'none' } } },
  async ({ n }: { n: number }, ctx) => {
    await work();
    if (ctx.attempt === 1) throw new Error('downstream blip');
    return done(ctx.id, n);
  },
);

export const registry = createRegistry({
  app: 'soak',
  // A 5 s worker timeout: a killed batch comes back after its 30 s visibility timeout.
  queues: { default: { timeout: '5s', maxConcurrency: 8, batchSize: 10 } },
  tasks: [double, inc, charge, member, total, bumpy],
});
