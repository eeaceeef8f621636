import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { expandSummary } from '../../runtime/results/batch-summary.js';
import { itemSize } from '../../runtime/results/item-size.js';
import type { Transition } from '../../runtime/results/store.js';
import { BatchSummaries } from '../../runtime/worker/success-summaries.js';

const t = (id: string, task = 'a'): Transition => ({
  id,
  state: 'SUCCESS',
  task,
  queue: 'q',
  attempt: 1,
  rootId: id,
  tags: [],
  ttlMs: 1_000,
  startedAt: 90,
  finishedAt: 95,
});

describe('item size as DynamoDB bills it', () => {
  it('counts names and values: strings by UTF-8 bytes, numbers by digits, lists and maps with overhead', () => {
    expect(itemSize(marshall({ id: 'abc' }))).toBe(2 + 3);
    expect(itemSize(marshall({ é: 'é' }))).toBe(2 + 2);
    expect(itemSize(marshall({ n: 12345 }))).toBe(1 + 4);
    expect(itemSize(marshall({ l: ['ab', 1] }))).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(itemSize(marshall({ m: { k: 'v' } }))).toBe(1 + 3 + (1 + 1) + 1);
    expect(itemSize(marshall({ b: true, z: null }))).toBe(2 + 2);
  });
});

describe('a batch carries its successes in its last success', () => {
  it('the last record to finish carries the others of its task; the rest goes to separate summaries', async () => {
    const s = new BatchSummaries(4, () => 100);
    const a = await s.beforeSuccess(0, t('a'));
    const b = await s.beforeSuccess(1, t('b', 'other'));
    expect(a.summary).toBeUndefined();
    s.finished(2); // a failure, or a task storing nothing
    a.settle({ written: true, carried: false });
    b.settle({ written: true, carried: false });
    const last = await s.beforeSuccess(3, t('c'));
    expect(expandSummary({ task: 'a', queue: 'q', entries: last.summary!.entries }).map((r) => r.id)).toEqual(
      ['a'],
    );
    last.settle({ written: true, carried: true });
    expect(s.uncarried().map((x) => x.id)).toEqual(['b']);
  });

  it('waits for the other writes in flight, and falls back to summaries when the carrier could not carry', async () => {
    const s = new BatchSummaries(2, () => 100);
    const a = await s.beforeSuccess(0, t('a'));
    let carried: Awaited<ReturnType<BatchSummaries['beforeSuccess']>> | undefined;
    const last = s.beforeSuccess(1, t('b')).then((c) => {
      carried = c;
      return c;
    });
    await Promise.resolve();
    expect(carried).toBeUndefined(); // a's write has not settled yet
    a.settle({ written: true, carried: false });
    const c = await last;
    expect(c.summary).toBeDefined();
    c.settle({ written: true, carried: false }); // item too large, or not a first write
    expect(s.uncarried().map((x) => x.id)).toEqual(['a', 'b']);
  });

  it('a write that failed is neither listed nor carried', async () => {
    const s = new BatchSummaries(2, () => 100);
    const a = await s.beforeSuccess(0, t('a'));
    a.settle({ written: false, carried: false });
    const b = await s.beforeSuccess(1, t('b'));
    // b carries nothing but itself: no separate summary item is needed for it.
    expect(expandSummary({ task: 'a', queue: 'q', entries: b.summary!.entries })).toEqual([]);
    b.settle({ written: true, carried: true });
    expect(s.uncarried()).toEqual([]);
  });

  it('a lone success lists itself in its own item (one PutItem, no separate summary)', async () => {
    const s = new BatchSummaries(1, () => 100);
    const only = await s.beforeSuccess(0, t('only'));
    expect(only.summary).toBeDefined();
    only.settle({ written: true, carried: true });
    expect(s.uncarried()).toEqual([]);
  });
});
