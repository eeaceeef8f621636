import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { readChord, recordMember } from '../../runtime/canvas/chord-store.js';
import { toEnvelopes } from '../../runtime/canvas/envelopes.js';
import { expand, type Outgoing } from '../../runtime/canvas/expand.js';
import {
  CeleriacError,
  chain,
  chord,
  chunks,
  createWorker,
  type Envelope,
  getWorkflow,
  group,
  map,
  type Signature,
  starmap,
} from '../../runtime/internal.js';
import { drained } from './drained.js';
import {
  add,
  boom,
  errbacks,
  mul,
  onFail,
  pair,
  pairs,
  pow,
  registry,
  runs,
  xsum,
} from './fixtures/canvas-tasks.js';
import { eventually, localStack, waitForState } from './harness.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'] });
});
afterAll(() => stack?.stop());

const opts = () => ({ client: stack.client });

describe('chains', () => {
  it('passes each result on: immutable first step, partial steps with resultKey', async () => {
    const h = await chain(
      add.si({ x: 2, y: 2 }),
      mul.s({ y: 4 }, { resultKey: 'x' }),
      add.s({ y: 1 }, { resultKey: 'x' }),
    ).apply(opts());
    expect(await h.result({ timeout: '20s' })).toBe(17);
  });

  it('s() takes the previous result as its arguments; s(args) merges into an object result', async () => {
    const h1 = await chain(pair.si({ x: 5 }), add.s()).apply(opts());
    expect(await h1.result({ timeout: '20s' })).toBe(11);
    const h2 = await chain(pair.si({ x: 5 }), add.s({ y: 100 })).apply(opts());
    expect(await h2.result({ timeout: '20s' })).toBe(105);
  });

  it('an immutable step ignores the previous result', async () => {
    const h = await chain(add.si({ x: 1, y: 1 }), add.si({ x: 10, y: 10 })).apply(opts());
    expect(await h.result({ timeout: '20s' })).toBe(20);
  });

  it("a failing step aborts the rest: the chain result fails at once with the step's own error, link-error runs", async () => {
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      boom.si({ why: 'step 2' }),
      add.s({ y: 1 }, { resultKey: 'x' }),
    )
      .onError(onFail.s())
      .apply(opts());
    const err = await h.result({ timeout: '20s' }).catch((e: CeleriacError) => e);
    expect(err).toBeInstanceOf(CeleriacError);
    expect((err as CeleriacError).message).toContain('NonRetriable: boom: step 2');
    const failed = await eventually(async () => errbacks.find((e) => e.error.message === 'boom: step 2'));
    expect(failed.task).toBe('boom');
  });
});

describe('groups and chords', () => {
  it('returns group results in member order, whatever the finishing order', async () => {
    const members = [300, 0, 200, 50, 100].map((ms, i) => add.si({ x: i, y: 0, ms }));
    const h = await group(...members).apply(opts());
    expect(await h.result({ timeout: '20s' })).toEqual([0, 1, 2, 3, 4]);
  });

  it('a chord feeds the body the results in member order', async () => {
    const h = await chord(
      Array.from({ length: 10 }, (_, i) => add.si({ x: i, y: i, ms: (10 - i) * 20 })),
      xsum.s(),
    ).apply(opts());
    expect(await h.result({ timeout: '20s' })).toBe(90);
  });

  it('a group inside a chain joins before the next step (becomes a chord)', async () => {
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      group(mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })),
      xsum.s(),
    ).apply(opts());
    expect(await h.result({ timeout: '20s' })).toBe(10);
  });

  it('chains inside a group, and a chord whose member is a chain with a group inside', async () => {
    const g = await group(
      chain(add.si({ x: 1, y: 2 }), mul.s({ y: 10 }, { resultKey: 'x' })),
      chain(add.si({ x: 3, y: 4 }), mul.s({ y: 10 }, { resultKey: 'x' })),
    ).apply(opts());
    expect(await g.result({ timeout: '20s' })).toEqual([30, 70]);

    const nested = await chord(
      [
        chain(
          add.si({ x: 1, y: 1 }),
          group(mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 5 }, { resultKey: 'x' })),
        ),
        add.si({ x: 100, y: 0 }),
      ],
      // xsum flattens nested lists; its declared input is number[].
      xsum.s() as unknown as Signature<[number[], number], number>,
    ).apply(opts());
    // member 0 → [4, 10], member 1 → 100; xsum flattens: 114
    expect(await nested.result({ timeout: '30s' })).toBe(114);
  });

  it('a chord with an empty header runs the body with []', async () => {
    const h = await chord([], xsum.s()).apply(opts());
    expect(await h.result({ timeout: '20s' })).toBe(0);
  });

  it('link runs with the result', async () => {
    const h = await add
      .si({ x: 20, y: 22 })
      .link(mul.s({ y: 2 }, { resultKey: 'x' }))
      .apply(opts());
    expect(await h.result({ timeout: '20s' })).toBe(42);
  });

  it('map, starmap and chunks', async () => {
    const m = await map(mul, [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]).apply(opts());
    expect(await m.result({ timeout: '20s' })).toEqual([2, 12]);
    const s = await starmap(pow, [
      [2, 3],
      [3, 2],
    ]).apply(opts());
    expect(await s.result({ timeout: '20s' })).toEqual([8, 9]);
    const items = Array.from({ length: 7 }, (_, i) => ({ x: i, y: 1 }));
    const c = await chunks(add, items, 3).apply(opts());
    expect(await c.result({ timeout: '20s' })).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    // A map step takes its items from the previous step (a list of mul's arguments).
    const mapped = await chain(pairs.si({ n: 3 }), map(mul).link(xsum.s())).apply(opts());
    expect(mapped.resultIds).toHaveLength(1);
    expect(await mapped.result({ timeout: '20s' })).toEqual([0, 2, 6]);
  });
});

describe('chord failure', () => {
  it('a member failing for good fails the chord once, naming it; the body never runs; its link-error runs once', async () => {
    const before = errbacks.length;
    const sig = chord(
      [add.si({ x: 1, y: 1 }), boom.si({ why: 'member 1' }), add.si({ x: 2, y: 2 })],
      xsum.s(),
    ).onError(onFail.s());
    const h = await sig.apply(opts());
    const err = (await h.result({ timeout: '20s' }).catch((e) => e)) as CeleriacError;
    expect(err.code).toBe('TASK_FAILED');
    expect(err.message).toContain('ChordError');
    expect(err.message).toContain('boom: member 1');
    const bodyId = h.resultIds[0]!;
    const rec = await stack.client.results.get(bodyId);
    expect(rec?.error?.code).toBe('CHORD_FAILED');
    await eventually(async () => (errbacks.length > before ? true : undefined));
    await drained(stack);
    const chordErrbacks = errbacks.slice(before).filter((e) => e.chordId);
    expect(chordErrbacks).toHaveLength(1);
    // Celery: a chord's link_error is its body's; it runs once with the body's id.
    expect(chordErrbacks[0]).toMatchObject({
      id: bodyId,
      task: 'xsum',
      member: { task: 'boom' },
      error: { message: 'boom: member 1' },
    });
    expect(runs.get(bodyId)).toBeUndefined();
    const graph = await getWorkflow(h.rootId, opts());
    expect(graph.chords[0]?.failed).toMatchObject({ task: 'boom', message: 'boom: member 1' });
  });
});

/** Freeze a chord whose members go to the unpolled `manual` queue, and return their envelopes. */
function manualChord(size: number) {
  const sig = chord(
    Array.from({ length: size }, (_, i) => add.si({ x: i, y: 10 }, { queue: 'manual' })),
    xsum.s(),
  );
  const node = sig.freeze();
  const out: Outgoing[] = [];
  expand(node, undefined, { steps: [] }, out);
  const envelopes = toEnvelopes(out, { root: out[0]!.node.id, now: Date.now() });
  const bodyId = node.kind === 'chord' && node.body.kind === 'task' ? node.body.id : '';
  const chordId = node.kind === 'chord' ? node.id : '';
  return { envelopes, bodyId, chordId };
}

function record(env: Envelope, n: number) {
  const url = stack.config.queues.manual!.url;
  return {
    messageId: `${env.id}-${n}`,
    receiptHandle: `rh-${env.id}-${n}`,
    body: JSON.stringify(env),
    attributes: { ApproximateReceiveCount: '1' },
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${url.slice(url.lastIndexOf('/') + 1)}`,
  };
}

describe('chord joins under duplicate and concurrent delivery', () => {
  const ctx = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 30_000 });

  it('a duplicate delivery of a member never counts twice', async () => {
    const worker = createWorker(registry, { client: stack.client });
    const { envelopes, bodyId, chordId } = manualChord(3);
    const [a, b, c] = envelopes as [Envelope, Envelope, Envelope];
    // a arrives three times (one concurrent pair): it is counted once; the body must not fire.
    await worker({ Records: [record(a, 1)] }, ctx('r1'));
    await Promise.all([
      worker({ Records: [record(a, 2)] }, ctx('r2')),
      worker({ Records: [record(a, 3)] }, ctx('r3')),
    ]);
    await worker({ Records: [record(b, 1)] }, ctx('r4'));
    expect((await readChord(stack.client, chordId))?.count).toBe(2);
    expect(await stack.client.results.get(bodyId)).toBeUndefined();
    await worker({ Records: [record(c, 1)] }, ctx('r5'));
    expect(await waitForState(stack, bodyId, ['SUCCESS'])).toMatchObject({ result: 33 });
  });

  it('a body lost between the firing claim and its send is sent when the firing member comes back', async () => {
    const worker = createWorker(registry, { client: stack.client });
    const { envelopes, bodyId } = manualChord(2);
    const [a, b] = envelopes as [Envelope, Envelope];
    await worker({ Records: [record(a, 1)] }, ctx('l1'));
    // b's worker records b, claims the firing, and dies before sending the body: its invocation
    // (whose end the claim records) is over by the time b comes back.
    const claimed = await recordMember(
      stack.client,
      b.chord!,
      b.id,
      11,
      b.root,
      `${b.id}:dead`,
      Date.now() - 1,
    );
    expect(claimed).toEqual({ fire: true, results: [10, 11] });
    // b's message was never acknowledged: it comes back.
    await worker({ Records: [record(b, 2)] }, ctx('l2'));
    expect(await waitForState(stack, bodyId, ['SUCCESS'])).toMatchObject({ result: 21 });
  });

  it('concurrent completions of the last members fire the body exactly once', async () => {
    const worker = createWorker(registry, { client: stack.client });
    const { envelopes, bodyId, chordId } = manualChord(4);
    const [a, b, c, d] = envelopes as [Envelope, Envelope, Envelope, Envelope];
    await worker({ Records: [record(a, 1), record(b, 1)] }, ctx('c1'));
    // c and d finish at once, each delivered twice, in four concurrent invocations.
    await Promise.all([
      worker({ Records: [record(c, 1)] }, ctx('c2')),
      worker({ Records: [record(d, 1)] }, ctx('c3')),
      worker({ Records: [record(c, 2)] }, ctx('c4')),
      worker({ Records: [record(d, 2)] }, ctx('c5')),
    ]);
    const state = await readChord(stack.client, chordId);
    expect(state?.count).toBe(4);
    expect(state?.firedBy).toBeDefined();
    expect(await waitForState(stack, bodyId, ['SUCCESS'])).toMatchObject({ result: 46 });
    await drained(stack);
    expect(runs.get(bodyId)).toBe(1);
  });
});

describe('workflow tracking', () => {
  it('every member carries root and parent; getWorkflow returns nodes, edges and states', async () => {
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      group(mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })),
      xsum.s(),
    ).apply(opts());
    await h.result({ timeout: '20s' });
    const graph = await getWorkflow(h.rootId, opts());
    expect(graph.nodes.map((n) => n.task).sort()).toEqual(['add', 'mul', 'mul', 'xsum']);
    expect(graph.nodes.every((n) => n.state === 'SUCCESS')).toBe(true);
    const root = graph.nodes.find((n) => n.task === 'add')!;
    expect(root.id).toBe(h.rootId);
    const muls = graph.nodes.filter((n) => n.task === 'mul');
    const sum = graph.nodes.find((n) => n.task === 'xsum')!;
    expect(muls.every((m) => m.parentId === root.id)).toBe(true);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: root.id, to: muls[0]!.id, kind: 'next' },
        { from: muls[0]!.id, to: sum.id, kind: 'join' },
        { from: muls[1]!.id, to: sum.id, kind: 'join' },
      ]),
    );
    expect(graph.chords).toHaveLength(1);
    expect(graph.chords[0]!.count).toBe(2);
  });
});
