import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { readChord } from '../../runtime/canvas/chord-store.js';
import { chord, createRegistry, group, task } from '../../runtime/internal.js';
import { localStack } from './harness.js';

const MEMBERS = 10_000;

/** A trivial member: returns its index; its own result is not stored (only the join holds it). */
const member = task('scale.member', { queue: 'scale', result: 'never' }, ({ i }: { i: number }) => i);
/** The body checks it got every result, in member order. */
const body = task('scale.body', { queue: 'scale' }, (results: number[]) => ({
  n: results.length,
  ordered: results.every((v, i) => v === i),
}));
const registry = createRegistry({
  app: 'scale',
  queues: { scale: { batchSize: 10, maxConcurrency: 20 } },
  tasks: [member, body],
});

let stack: LocalStack;
beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1 });
});
afterAll(() => stack?.stop());

it(`a chord of ${MEMBERS.toLocaleString('en')} members fires its body once, with every result in member order`, async () => {
  const h = await chord(
    group(...Array.from({ length: MEMBERS }, (_, i) => member.si({ i }))),
    body.s(),
  ).apply({ client: stack.client });
  // The body's own result is the positive signal: it exists only once the join fired.
  expect(await h.result({ timeout: '540s' })).toEqual({ n: MEMBERS, ordered: true });
  const bodyRecord = await stack.client.results.get(h.resultIds[0]!);
  const joinOf = (bodyRecord as { joinOf?: string } | undefined)?.joinOf;
  expect(joinOf).toBeDefined();
  const state = await readChord(stack.client, joinOf!);
  expect(state).toMatchObject({ size: MEMBERS, count: MEMBERS });
  expect(state?.firedBy).toBeDefined();
}, 600_000);
