import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import {
  chain,
  chord,
  chunks,
  type EnqueueEntry,
  enqueueMany,
  group,
  type Task,
  type TaskHandle,
  task,
} from '../../runtime/internal.js';

// Type-level tests of the public generics: they fail `tsc` (npm run typecheck) when types drift.
const add = task('types.add', {}, ({ x, y }: { x: number; y: number }) => x + y);
const greet = task(
  'types.greet',
  { schema: v.object({ name: v.string(), times: v.optional(v.number()) }) },
  ({ name }) => ({
    greeting: `hello ${name}`,
  }),
);
const asyncTask = task('types.async', {}, async (_args: null) => ['a', 'b']);

describe('public types', () => {
  it('task() infers argument and result types from the handler', () => {
    expectTypeOf(add).toEqualTypeOf<Task<{ x: number; y: number }, number>>();
    expectTypeOf(asyncTask).toEqualTypeOf<Task<null, string[]>>();
  });

  it('a schema gives the argument type (its input) and the handler its output', () => {
    expectTypeOf(greet.enqueue).parameter(0).toEqualTypeOf<{ name: string; times?: number | undefined }>();
    expectTypeOf(greet).toExtend<Task<{ name: string; times?: number | undefined }, { greeting: string }>>();
  });

  it('enqueue takes the task arguments and its handle resolves to the task result', () => {
    expectTypeOf(add.enqueue).parameter(0).toEqualTypeOf<{ x: number; y: number }>();
    expectTypeOf(add.enqueue).returns.resolves.toEqualTypeOf<TaskHandle<number>>();
    expectTypeOf<TaskHandle<number>['result']>().returns.resolves.toEqualTypeOf<number>();
    // @ts-expect-error — a missing argument field is a type error
    void (() => add.enqueue({ x: 1 }));
  });

  it("rateLimitKey takes the handler's arguments", () => {
    const perTenant = task(
      'types.tenant',
      { rateLimit: '2/s', rateLimitKey: (a: { tenant: string }) => a.tenant },
      ({ tenant }: { tenant: string }, ctx) => `${tenant}:${ctx.id}`,
    );
    expectTypeOf(perTenant).toEqualTypeOf<Task<{ tenant: string }, string>>();
    const keyed = task(
      'types.keyed',
      { rateLimit: '2/s', rateLimitKey: (a) => a.tenant },
      ({ tenant }: { tenant: string }) => tenant,
    );
    expectTypeOf(keyed).toEqualTypeOf<Task<{ tenant: string }, string>>();
    const wrongKey = () =>
      task(
        'types.wrong-key',
        { rateLimit: '2/s', rateLimitKey: (a: { other: number }) => String(a.other) },
        // @ts-expect-error — the key reads arguments the handler does not take
        ({ tenant }: { tenant: string }) => tenant,
      );
    void wrongKey;
  });

  it("enqueueMany checks each entry's args against its own task", () => {
    const one = [1, 2].map((x) => ({ task: add, args: { x, y: 1 } }));
    void (() => enqueueMany(one));
    void (() =>
      enqueueMany([
        { task: add, args: { x: 1, y: 2 } },
        { task: greet, args: { name: 'a' } },
      ]));
    const loose: EnqueueEntry[] = [];
    void (() => enqueueMany(loose));
    const mixed = () =>
      enqueueMany([
        { task: add, args: { x: 1, y: 2 } },
        // @ts-expect-error — greet's args given to an entry of add
        { task: add, args: { name: 'a' } },
      ]);
    void mixed;
    const wrong = [1, 2].map((x) => ({ task: add, args: { x } }));
    // @ts-expect-error — every entry of the array misses y
    void (() => enqueueMany(wrong));
  });

  it('canvas results: a chain resolves to its last step, a group and a chord in member order', () => {
    const c = chain(add.si({ x: 1, y: 1 }), greet.si({ name: 'a' }));
    expectTypeOf(c.apply).returns.resolves.toHaveProperty('result');
    const g = group(add.si({ x: 1, y: 1 }), greet.si({ name: 'a' }));
    type GroupResult = Awaited<ReturnType<Awaited<ReturnType<typeof g.apply>>['result']>>;
    expectTypeOf<GroupResult>().toEqualTypeOf<[number, { greeting: string }]>();
    const xsum = task('types.xsum', {}, (ns: number[]) => ns.reduce((a, b) => a + b, 0));
    const ch = chord([add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })], xsum.s());
    type ChordResult = Awaited<ReturnType<Awaited<ReturnType<typeof ch.apply>>['result']>>;
    expectTypeOf<ChordResult>().toEqualTypeOf<number>();
    type ChainResult = Awaited<ReturnType<Awaited<ReturnType<typeof c.apply>>['result']>>;
    expectTypeOf<ChainResult>().toEqualTypeOf<{ greeting: string }>();
  });

  it('chain() checks each step against the previous result', () => {
    const double = task('types.double', {}, (n: number) => n * 2);
    const shout = task('types.shout', {}, (text: string) => text.toUpperCase());
    // number → number: fine; an immutable step takes anything
    void (() => chain(add.si({ x: 1, y: 2 }), double.s(), shout.si('done')));
    // a partial with resultKey takes the previous result as that field
    void (() => chain(double.si(2), add.s({ y: 1 }, { resultKey: 'x' })));
    // @ts-expect-error — number → string: the step cannot take the previous result
    void (() => chain(add.si({ x: 1, y: 2 }), shout.s()));
  });

  it('normalisation shapes results as Celery does: nested groups flatten, one-member groups unroll in a chain', () => {
    const double = task('types.double2', {}, (n: number) => n * 2);
    type ResultOf<S extends { apply: (...a: never[]) => Promise<{ result: () => Promise<unknown> }> }> =
      Awaited<ReturnType<Awaited<ReturnType<S['apply']>>['result']>>;
    // group(a, group(b, c)) → [A, B, C]
    const flat = group(add.si({ x: 1, y: 1 }), group(greet.si({ name: 'a' }), double.si(1)));
    expectTypeOf<ResultOf<typeof flat>>().toEqualTypeOf<[number, { greeting: string }, number]>();
    // A chord's body takes the flattened header.
    const xsum3 = task('types.xsum3', {}, (ns: [number, number, number]) => ns[0] + ns[1] + ns[2]);
    void (() =>
      chord([group(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })), add.si({ x: 3, y: 3 })], xsum3.s()));
    // A one-member group in a chain is its member: the next step takes a number.
    const unrolled = chain(add.si({ x: 1, y: 1 }), group(double.s()), double.s());
    expectTypeOf<ResultOf<typeof unrolled>>().toEqualTypeOf<number>();
    const endsInOne = chain(add.si({ x: 1, y: 1 }), group(double.s()));
    expectTypeOf<ResultOf<typeof endsInOne>>().toEqualTypeOf<number>();
    // An empty group passes the previous result on.
    const skipped = chain(add.si({ x: 1, y: 1 }), group(), double.s());
    expectTypeOf<ResultOf<typeof skipped>>().toEqualTypeOf<number>();
    const endsEmpty = chain(add.si({ x: 1, y: 1 }), group());
    expectTypeOf<ResultOf<typeof endsEmpty>>().toEqualTypeOf<number>();
    // A group of two ending a chain stays a list.
    const endsInTwo = chain(add.si({ x: 1, y: 1 }), group(double.s(), double.s()));
    expectTypeOf<ResultOf<typeof endsInTwo>>().toEqualTypeOf<[number, number]>();
    // chunks is never unrolled: a list of lists even with one chunk; a plain group of lists still unrolls.
    const oneChunk = chain(add.si({ x: 1, y: 1 }), chunks(add, [{ x: 1, y: 2 }], 10));
    expectTypeOf<ResultOf<typeof oneChunk>>().toEqualTypeOf<number[][]>();
    const lists = task('types.lists', {}, (_: number) => [1, 2]);
    const oneList = chain(add.si({ x: 1, y: 1 }), group(lists.s()));
    expectTypeOf<ResultOf<typeof oneList>>().toEqualTypeOf<number[]>();
    // A group with a link is never dissolved: still a list in a chain.
    const linkedOne = chain(add.si({ x: 1, y: 1 }), group(double.s()).link(double.s() as never));
    expectTypeOf<ResultOf<typeof linkedOne>>().toEqualTypeOf<[number]>();
    const nestedLinked = group(add.si({ x: 1, y: 1 }), group(double.si(1), double.si(2)).link(xsumOf()));
    expectTypeOf<ResultOf<typeof nestedLinked>>().toEqualTypeOf<[number, [number, number]]>();
    // @ts-expect-error — a one-member group of strings cannot feed a number step
    void (() => chain(greet.si({ name: 'a' }), group(shoutOf()), double.s()));
  });

  it('apply takes an input typed as the canvas input', () => {
    const double = task('types.double3', {}, (n: number) => n * 2);
    const c = chain(double.s(), double.s());
    void (() => c.apply({ input: 2 }));
    // @ts-expect-error — the first step takes a number
    void (() => c.apply({ input: 'two' }));
  });
});

function xsumOf() {
  return task('types.xsum4', {}, (ns: number[]) => ns.length).s();
}

function shoutOf() {
  return task('types.shout2', {}, (_: { greeting: string }) => 'x').s();
}
