import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { createRegistry } from '../../runtime/index.js';
import type { Transition } from '../../runtime/results/store.js';
import { tableWorkerStore, type WorkerStore } from '../../runtime/worker/store.js';
import { MemoryWorkerStore } from '../unit/worker/support/memory-store.js';
import { localStack } from './harness.js';

// The worker's unit tests run on MemoryWorkerStore; this suite holds it to the results table's
// behaviour: the same assertions, against both.
let stack: LocalStack;
beforeAll(async () => {
  stack = await localStack(createRegistry({ app: 'store', tasks: [] }));
});
afterAll(() => stack?.stop());

const stores: [string, () => WorkerStore][] = [
  ['in-memory', () => new MemoryWorkerStore(Date.now)],
  ['results table', () => tableWorkerStore(stack.client)],
];

const fresh = () => `s-${randomBytes(6).toString('hex')}`;
const transition = (id: string, state: Transition['state'], extra: Partial<Transition> = {}): Transition => ({
  id,
  state,
  task: 'conformance',
  queue: 'default',
  attempt: 1,
  rootId: id,
  tags: [],
  ttlMs: 60_000,
  ...extra,
});

describe.each(stores)('WorkerStore conformance: %s', (_, make) => {
  it('never replaces SUCCESS by default', async () => {
    const store = make();
    const id = fresh();
    await store.write(transition(id, 'SUCCESS', { fresh: true, result: 1 }));
    expect(await store.write(transition(id, 'FAILURE'))).toEqual({ written: false, current: 'SUCCESS' });
  });

  it('replaces RETRY with FAILURE', async () => {
    const store = make();
    const id = fresh();
    await store.write(transition(id, 'RETRY'));
    expect(await store.write(transition(id, 'FAILURE'))).toEqual({ written: true });
  });

  it('keeps FAILURE when FAILURE is protected', async () => {
    const store = make();
    const id = fresh();
    await store.write(transition(id, 'FAILURE'));
    const out = await store.write(transition(id, 'FAILURE', { protect: ['SUCCESS', 'REVOKED', 'FAILURE'] }));
    expect(out).toEqual({ written: false, current: 'FAILURE' });
  });

  it('a fresh write over an existing item merges instead of failing', async () => {
    const store = make();
    const id = fresh();
    await store.write(transition(id, 'STARTED'));
    expect(await store.write(transition(id, 'SUCCESS', { fresh: true }))).toEqual({ written: true });
  });

  it('claims a run once; a second claim sees it in progress until its expiry', async () => {
    const store = make();
    const id = fresh();
    const until = Date.now() + 60_000;
    expect(await store.claimRun(id, until, 60_000)).toEqual({ kind: 'claimed' });
    expect(await store.claimRun(id, until, 60_000)).toEqual({ kind: 'in-progress', untilMs: until });
  });

  it('re-takes a claim whose holder died (in-progress expiry passed)', async () => {
    const store = make();
    const id = fresh();
    await store.claimRun(id, Date.now() - 1, 60_000);
    expect(await store.claimRun(id, Date.now() + 60_000, 60_000)).toEqual({ kind: 'claimed' });
  });

  it('hands a COMPLETED claim result to later claims', async () => {
    const store = make();
    const id = fresh();
    await store.claimRun(id, Date.now() + 60_000, 60_000);
    await store.completeRun(id, { n: 1 });
    expect(await store.claimRun(id, Date.now() + 60_000, 60_000)).toEqual({
      kind: 'completed',
      result: { n: 1 },
    });
  });

  it('lets a released claim be taken again', async () => {
    const store = make();
    const id = fresh();
    await store.claimRun(id, Date.now() + 60_000, 60_000);
    await store.releaseRun(id);
    expect(await store.claimRun(id, Date.now() + 60_000, 60_000)).toEqual({ kind: 'claimed' });
  });

  it('counts rate-limit slots per window', async () => {
    const store = make();
    const key = fresh();
    const policy = { limit: 2, periodMs: 3_600_000 };
    const slots = [
      await store.acquireSlot('conformance', key, policy),
      await store.acquireSlot('conformance', key, policy),
      await store.acquireSlot('conformance', key, policy),
    ];
    expect(slots.map((s) => s.ok)).toEqual([true, true, false]);
  });

  it('remembers a dead-lettered message id', async () => {
    const store = make();
    const messageId = fresh();
    expect(await store.wasDeadLettered(messageId)).toBe(false);
    await store.markDeadLettered(messageId);
    expect(await store.wasDeadLettered(messageId)).toBe(true);
  });
});

describe('records read back in bulk (group waits, children)', () => {
  it('leaves out an item past its TTL that DynamoDB has not deleted yet, as a single read does', async () => {
    const { readRecords } = await import('../../runtime/canvas/wait-many.js');
    const { writeTransition } = await import('../../runtime/results/write.js');
    const [live, expired] = [fresh(), fresh()];
    await writeTransition(stack.client.results, transition(live, 'SUCCESS', { fresh: true, result: 1 }));
    await writeTransition(
      stack.client.results,
      transition(expired, 'SUCCESS', { fresh: true, result: 2, ttlMs: -60_000 }),
    );
    expect(await stack.client.results.get(expired)).toBeUndefined();
    const found = await readRecords(stack.client, [live, expired]);
    expect([...found.keys()]).toEqual([live]);
    expect(found.get(live)?.result).toBe(1);
  });
});
