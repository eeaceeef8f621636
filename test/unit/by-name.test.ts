import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ArgsOf,
  CeleriacClient,
  type CeleriacConfig,
  CeleriacError,
  chain,
  chord,
  enqueueByName,
  group,
  parseConfig,
  type ResultOf,
  type TaskHandle,
  type TaskSignature,
  taskRef,
} from '../../runtime/internal.js';
import { resolveRoute, routesOf } from '../../runtime/routes.js';
// Types only, as a producer would import them: nothing of the tasks' code is loaded here.
import type { resize, thumbnail } from '../integration/fixtures/by-name-tasks.js';

const config: CeleriacConfig = {
  region: 'us-east-1',
  table: 'byname-results',
  queues: {
    high: {
      url: 'http://127.0.0.1:1/000000000000/byname-high',
      dlqUrl: 'http://127.0.0.1:1/q/byname-high-dlq',
    },
    default: { url: 'http://127.0.0.1:1/000000000000/byname-default', dlqUrl: 'http://127.0.0.1:1/q/d-dlq' },
  },
  routes: { 'images.resize': { queue: 'high', tags: ['images'] }, 'images.thumbnail': 'default' },
};
const client = new CeleriacClient({ config });

type ResizeArgs = { key: string; width: number };
type ResizeResult = { key: string; width: number; by: string };

describe('by-name types (from a type-only import)', () => {
  it('ArgsOf and ResultOf read a task type', () => {
    expectTypeOf<ArgsOf<typeof resize>>().toEqualTypeOf<ResizeArgs>();
    expectTypeOf<ResultOf<typeof resize>>().toEqualTypeOf<ResizeResult>();
    expectTypeOf<ResultOf<typeof thumbnail>>().toEqualTypeOf<{ thumb: string; by: string }>();
  });

  it('enqueueByName takes the task arguments and resolves to its result', () => {
    expectTypeOf(enqueueByName<typeof resize>)
      .parameter(1)
      .toEqualTypeOf<ResizeArgs>();
    expectTypeOf(enqueueByName<typeof resize>).returns.resolves.toEqualTypeOf<TaskHandle<ResizeResult>>();
    // @ts-expect-error — a missing argument field is a type error
    void (() => enqueueByName<typeof resize>('images.resize', { key: 'a' }, { client }));
    // @ts-expect-error — without the task type there is nothing to check the arguments against
    void (() => enqueueByName('images.resize', { key: 'a', width: 1 }));
  });

  it('taskRef signatures type-check in chain, group and chord like the task own', () => {
    const r = taskRef<typeof resize>('images.resize', { client });
    const t = taskRef<typeof thumbnail>('images.thumbnail', { client });
    expectTypeOf(r.si({ key: 'a', width: 1 })).toEqualTypeOf<TaskSignature<unknown, ResizeResult>>();
    const c = chain(r.si({ key: 'a', width: 1 }), t.s());
    type ChainResult = Awaited<ReturnType<Awaited<ReturnType<typeof c.apply>>['result']>>;
    expectTypeOf<ChainResult>().toEqualTypeOf<{ thumb: string; by: string }>();
    const g = group(r.si({ key: 'a', width: 1 }), t.si({ key: 'b', width: 2 }));
    type GroupResult = Awaited<ReturnType<Awaited<ReturnType<typeof g.apply>>['result']>>;
    expectTypeOf<GroupResult>().toEqualTypeOf<[ResizeResult, { thumb: string; by: string }]>();
    // @ts-expect-error — a chord body receives the header's results as a list, not one image
    void (() => chord([r.si({ key: 'a', width: 1 })], t.s()));
    // @ts-expect-error — thumbnail's { thumb, by } cannot feed resize's { key, width }
    void (() => chain(t.si({ key: 'a', width: 1 }), r.s()));
  });
});

describe('routes', () => {
  it('routesOf lists every task of a plan: a bare queue, or queue and declared tags', () => {
    const plan = {
      tasks: [
        { name: 'a', queue: 'high', tags: [] },
        { name: 'b', queue: 'low', tags: ['ops'] },
      ],
    } as unknown as Parameters<typeof routesOf>[0];
    expect(routesOf(plan)).toEqual({ a: 'high', b: { queue: 'low', tags: ['ops'] } });
  });

  it('the config validates routes: a queue name, or a queue with tags', () => {
    expect(parseConfig(JSON.parse(JSON.stringify(config))).routes).toEqual(config.routes);
    expect(() => parseConfig({ ...config, routes: { a: '' } })).toThrow(/routes\.a/);
    expect(() => parseConfig({ ...config, routes: { a: { queue: 'high' } } })).toThrow(/routes\.a/);
  });

  it('resolveRoute: the route table, an explicit queue winning, and no silent default', () => {
    expect(resolveRoute(config, 'images.resize')).toEqual({ queue: 'high', tags: ['images'] });
    expect(resolveRoute(config, 'images.thumbnail')).toEqual({ queue: 'default', tags: [] });
    expect(resolveRoute(config, 'images.resize', 'default')).toEqual({ queue: 'default', tags: ['images'] });
    expect(resolveRoute(config, 'other', 'default')).toEqual({ queue: 'default', tags: [] });
    expect(() => resolveRoute(config, 'images.resise')).toThrow(/not in the config's routes/);
    const { routes: _, ...bare } = config;
    expect(() => resolveRoute(bare, 'images.resize')).toThrow(/no routes table; pass \{ queue \}/);
  });

  it('enqueueByName rejects an unknown name with UNKNOWN_TASK before sending anything', async () => {
    // The client's SQS endpoint is a closed port: reaching it would fail with SEND_FAILED instead.
    const err = await enqueueByName<typeof resize>('images.resise', { key: 'a', width: 1 }, { client }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CeleriacError);
    expect((err as CeleriacError).code).toBe('UNKNOWN_TASK');
  });

  it('taskRef signatures freeze to the routed queue, or the one given', () => {
    const r = taskRef<typeof resize>('images.resize', { client });
    expect(r.si({ key: 'a', width: 1 }).freeze()).toMatchObject({
      kind: 'task',
      task: 'images.resize',
      queue: 'high',
      mode: 'immutable',
      args: { key: 'a', width: 1 },
    });
    expect(r.s({ width: 1 }, { resultKey: 'key', queue: 'default' }).freeze()).toMatchObject({
      queue: 'default',
      mode: 'partial',
      resultKey: 'key',
    });
    const other = taskRef<typeof resize>('images.resize', { client, queue: 'default' });
    expect(other.si({ key: 'a', width: 1 }).freeze()).toMatchObject({ queue: 'default' });
    expect(() => taskRef<typeof resize>('nope', { client }).s()).toThrow(/not in the config's routes/);
  });
});
