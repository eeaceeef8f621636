import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import {
  CeleriacError,
  chain,
  chord,
  chunks,
  type ErrbackInput,
  getWorkflow,
  group,
  type Signature,
} from '../../runtime/index.js';
import { drained as drainedQueue } from './drained.js';
import {
  add,
  boom,
  double,
  errbacks,
  ident,
  linked,
  linkSink,
  mul,
  onFail,
  quota,
  registry,
  runs,
  xsum,
} from './fixtures/canvas-tasks.js';
import { localStack, waitForState } from './harness.js';

// Each rule of Celery's canvas that Celeriac follows, on the local stack. Titles name the Celery
// behaviour matched.

let stack: LocalStack;

beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'] });
});
afterAll(() => stack?.stop());

const opts = () => ({ client: stack.client });
const T = { timeout: '30s' } as const;
/** A body that returns exactly what it receives, typed to accept a header's list. */
const echo = <In>() => ident.s() as unknown as Signature<In, In>;

const drained = () => drainedQueue(stack);

describe('group normalisation (Celery flattens, unrolls and drops groups the same way)', () => {
  it('Celery: group(a, group(b, c)) is flattened into one group → [ra, rb, rc]', async () => {
    const h = await group(
      add.si({ x: 1, y: 0 }),
      group(add.si({ x: 2, y: 0 }), add.si({ x: 3, y: 0 })),
    ).apply(opts());
    expect(h.ref.kind === 'list' && h.ref.items.every((i) => i.kind === 'task')).toBe(true);
    expect(await h.result(T)).toEqual([1, 2, 3]);
  });

  it("Celery: a group among a chord's header members is flattened: the body gets 3 results, not a nested list", async () => {
    const h = await chord(
      [group(add.si({ x: 1, y: 0 }), add.si({ x: 2, y: 0 })), add.si({ x: 3, y: 0 })],
      echo<[number, number, number]>(),
    ).apply(opts());
    expect(await h.result(T)).toEqual([1, 2, 3]);
  });

  it('Celery: a group that ends a chain stays a nested list (also as a member of a group)', async () => {
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      group(mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })),
    ).apply(opts());
    expect(await h.result(T)).toEqual([4, 6]);
    const g = await group(
      chain(
        add.si({ x: 1, y: 1 }),
        group(mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })),
      ),
      add.si({ x: 10, y: 0 }),
    ).apply(opts());
    expect(await g.result(T)).toEqual([[4, 6], 10]);
  });

  it('Celery: a one-member group in a chain is that signature: the next step takes a number, not [n]', async () => {
    const h = await chain(
      add.si({ x: 1, y: 2 }),
      group(mul.s({ y: 5 }, { resultKey: 'x' })),
      double.s(),
    ).apply(opts());
    expect(await h.result(T)).toBe(30);
    // Ending the chain, too: the chain's result is the member's value.
    const end = await chain(add.si({ x: 1, y: 2 }), group(mul.s({ y: 5 }, { resultKey: 'x' }))).apply(opts());
    expect(await end.result(T)).toBe(15);
    // Outside a chain a one-member group is still a group: a one-element list, as in Celery.
    const alone = await group(add.si({ x: 4, y: 4 })).apply(opts());
    expect(await alone.result(T)).toEqual([8]);
  });

  it('deliberate difference: chunks() is never unrolled or dropped; its result is always a list of lists', async () => {
    const one = await chain(add.si({ x: 0, y: 0 }), chunks(add, [{ x: 1, y: 2 }], 10)).apply(opts());
    expect(await one.result(T)).toEqual([[3]]);
    const none = await chain(add.si({ x: 0, y: 0 }), chunks(add, [], 10), ident.s()).apply(opts());
    expect(await none.result(T)).toEqual([]);
  });

  it('Celery: a one-member group in a chord header is its member (flattened into the header)', async () => {
    const h = await chord(
      [group(add.si({ x: 1, y: 0 })), add.si({ x: 2, y: 0 })],
      echo<[number, number]>(),
    ).apply(opts());
    expect(await h.result(T)).toEqual([1, 2]);
  });

  it('Celery: an empty group is a no-op: alone it sends nothing and resolves to []', async () => {
    const h = await group().apply(opts());
    expect(h.resultIds).toEqual([]);
    expect(await h.result(T)).toEqual([]);
  });

  it('Celery: an empty group inside a chain passes the previous result on unchanged (middle and end)', async () => {
    const mid = await chain(add.si({ x: 1, y: 1 }), group(), double.s()).apply(opts());
    expect(await mid.result(T)).toBe(4);
    // Chosen (no pipe operator to decide it): a chain ending in an empty group resolves to the
    // previous step's result, the empty group being the identity.
    const end = await chain(add.si({ x: 2, y: 1 }), group()).apply(opts());
    expect(await end.result(T)).toBe(3);
  });

  it('Celery: an empty group in a group or chord header adds no member ([] header: the body gets [])', async () => {
    const g = await group(add.si({ x: 1, y: 0 }), group()).apply(opts());
    expect(await g.result(T)).toEqual([1]);
    const c = await chord([add.si({ x: 1, y: 0 }), group()], echo<[number]>()).apply(opts());
    expect(await c.result(T)).toEqual([1]);
    const empty = await chord([group()], echo<[]>()).apply(opts());
    expect(await empty.result(T)).toEqual([]);
  });

  it('Celery: chords of chords: an inner chord in a header gives its body result as one member result', async () => {
    const h = await chord(
      [chord([add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })], xsum.s()), add.si({ x: 10, y: 0 })],
      echo<[number, number]>(),
    ).apply(opts());
    expect(await h.result(T)).toEqual([6, 10]);
    // A chord whose body is a chord (Celery: chord(header, chord(header2, body2))).
    const nested = await chain(
      chord([add.si({ x: 1, y: 0 }), add.si({ x: 2, y: 0 })], xsum.s()),
      chord([mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })], xsum.s()),
    ).apply(opts());
    expect(await nested.result(T)).toBe(15);
  });
});

describe('errbacks on a chord whose header fails (Celery: chord.link_error is the body’s)', () => {
  it("Celery: link_error on a chord's body runs once, with the body's id, the failing member's id and its error", async () => {
    const h = await chord(
      [add.si({ x: 1, y: 1 }), boom.si({ why: 'header' }), add.si({ x: 2, y: 2 })],
      xsum.s().onError(onFail.s()),
    ).apply(opts());
    const err = (await h.result(T).catch((e) => e)) as CeleriacError;
    expect(err.code).toBe('TASK_FAILED');
    const bodyId = h.resultIds[0]!;
    await drained();
    const mine = errbacks.filter((e) => e.id === bodyId);
    expect(mine).toHaveLength(1);
    const input = mine[0] as ErrbackInput;
    expect(input).toMatchObject({ id: bodyId, task: 'xsum', member: { task: 'boom' } });
    expect(input.error).toMatchObject({ type: 'NonRetriable', message: 'boom: header' });
    const graph = await getWorkflow(h.rootId, opts());
    const failed = graph.nodes.find((n) => n.task === 'boom')!;
    expect(input.member?.id).toBe(failed.id);
    expect(input.chordId).toBe(graph.chords[0]?.id);
    expect(runs.get(bodyId)).toBeUndefined();
  });

  it('an errback on a chain runs once per failure, even when the step that failed and the chord body both carry it', async () => {
    // chain(a, group(boom, b), c).onError(e): e is on boom (its own) and on c (the chord's body).
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      group(boom.si({ why: 'dedupe' }), add.si({ x: 5, y: 5 })),
      xsum.s(),
    )
      .onError(onFail.s())
      .apply(opts());
    await h.result(T).catch(() => undefined);
    await drained();
    const graph = await getWorkflow(h.rootId, opts());
    expect(graph.nodes.filter((n) => n.task === 'on-fail')).toHaveLength(1);
  });

  it('a chord of chords: a member failing in the inner chord runs the outer body’s errback once, naming the member', async () => {
    const h = await chord(
      [chord([boom.si({ why: 'inner' }), add.si({ x: 1, y: 1 })], xsum.s()), add.si({ x: 3, y: 3 })],
      echo<[number, number]>().onError(onFail.s()),
    ).apply(opts());
    const err = (await h.result(T).catch((e) => e)) as CeleriacError;
    expect(err.message).toContain('ChordError');
    await drained();
    const bodyId = h.resultIds[0]!;
    const mine = errbacks.filter((e) => e.id === bodyId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      task: 'ident',
      member: { task: 'boom' },
      error: { message: 'boom: inner' },
    });
  });
});

describe('applying a partial canvas with input (Celery: sig.apply_async(args))', () => {
  it("Celery: a partial chain's first step takes the input", async () => {
    const h = await chain(mul.s({ y: 2 }, { resultKey: 'x' }), add.s({ y: 1 }, { resultKey: 'x' })).apply({
      ...opts(),
      input: 5,
    });
    expect(await h.result(T)).toBe(11);
  });

  it('Celery: a partial group or chord header passes the input to every member', async () => {
    const g = await group(mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })).apply({
      ...opts(),
      input: 5,
    });
    expect(await g.result(T)).toEqual([10, 15]);
    const c = await chord(
      [mul.s({ y: 2 }, { resultKey: 'x' }), mul.s({ y: 3 }, { resultKey: 'x' })],
      xsum.s(),
    ).apply({ ...opts(), input: 4 });
    expect(await c.result(T)).toBe(20);
  });

  it('an input that is not JSON is refused before anything is sent', async () => {
    const err = await double
      .s()
      .apply({ ...opts(), input: Number.NaN })
      .catch((e) => e);
    expect(err).toBeInstanceOf(CeleriacError);
    expect((err as CeleriacError).code).toBe('NOT_JSON');
  });
});

describe('errors keep their identity down a chain (Celery: result.get() re-raises the step’s exception)', () => {
  it("Celery: waiting on a chain raises the failing step's own error type, message and code, with its id", async () => {
    const h = await chain(add.si({ x: 1, y: 1 }), quota.si({ left: 0 }), double.s()).apply(opts());
    const err = (await h.result(T).catch((e) => e)) as CeleriacError;
    const failingId = h.parent!.resultIds[0]!;
    expect(err).toBeInstanceOf(CeleriacError);
    expect(err.code).toBe('TASK_FAILED');
    expect(err.value).toBe(failingId);
    expect(err.message).toBe(`task quota ${failingId} failed: QuotaExceeded: quota exceeded: 0 left`);
    expect(err.cause).toMatchObject({
      id: failingId,
      task: 'quota',
      type: 'QuotaExceeded',
      code: 'QUOTA',
      message: 'quota exceeded: 0 left',
    });
    // Waiting on the failing step itself raises the same.
    const direct = (await h.parent!.result(T).catch((e) => e)) as CeleriacError;
    expect(direct.message).toBe(err.message);
    // The step after it is still marked as never run.
    const last = await stack.client.results.get(h.resultIds[0]!);
    expect(last).toMatchObject({ state: 'FAILURE', attempts: 0, error: { code: 'CHAIN_ABORTED' } });
    expect(last?.startedAt).toBeUndefined();
    expect(runs.get(h.resultIds[0]!)).toBeUndefined();
  });

  it('a chain ending in a group: waiting raises the failing step’s error, not a wrapper', async () => {
    const h = await chain(add.si({ x: 1, y: 1 }), quota.si({ left: 3 }), group(double.s(), double.s())).apply(
      opts(),
    );
    const err = (await h.result(T).catch((e) => e)) as CeleriacError;
    expect(err.code).toBe('TASK_FAILED');
    expect(err.cause).toMatchObject({ type: 'QuotaExceeded', code: 'QUOTA', task: 'quota' });
  });
});

describe('a link on a group (Celery: runs once with the list of results)', () => {
  it('Celery: group(a, b).link(cb) calls cb once with [ra, rb]', async () => {
    const before = linked.length;
    const h = await group(add.si({ x: 100, y: 1 }), add.si({ x: 100, y: 2 }))
      .link(linkSink.s())
      .apply(opts());
    expect(await h.result(T)).toEqual([101, 102]);
    await drained();
    expect(linked.slice(before)).toEqual([[101, 102]]);
  });

  it('chosen: a one-member group with its own link is not unrolled in a chain (its link gets the list)', async () => {
    const before = linked.length;
    const h = await chain(
      add.si({ x: 7, y: 0 }),
      group(mul.s({ y: 3 }, { resultKey: 'x' })).link(linkSink.s()),
    ).apply(opts());
    expect(await h.result(T)).toEqual([21]);
    await drained();
    expect(linked.slice(before)).toEqual([[21]]);
  });

  it('per-member callbacks stay possible by linking the members; a chain ending in a group links the list', async () => {
    const before = linked.length;
    const h = await group(
      add.si({ x: 200, y: 1 }).link(linkSink.s()),
      add.si({ x: 200, y: 2 }).link(linkSink.s()),
    ).apply(opts());
    await h.result(T);
    await drained();
    expect(
      linked
        .slice(before)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([201, 202]);
    const at = linked.length;
    const c = await chain(
      add.si({ x: 300, y: 0 }),
      group(mul.s({ y: 1 }, { resultKey: 'x' }), mul.s({ y: 2 }, { resultKey: 'x' })),
    )
      .link(linkSink.s())
      .apply(opts());
    expect(await c.result(T)).toEqual([300, 600]);
    await drained();
    expect(linked.slice(at)).toEqual([[300, 600]]);
    const rec = await waitForState(stack, c.resultIds[0]!, ['SUCCESS']);
    expect(rec.result).toBe(300);
  });
});
