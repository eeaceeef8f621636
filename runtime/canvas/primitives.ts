import { ErrorCode, invalid } from '../errors.js';
import type { Json } from '../json.js';
import type { Task } from '../task.js';
import { COLLECT_TASK } from './expand.js';
import {
  type AnySignature,
  ChainSignature,
  ChordSignature,
  ChunksSignature,
  GroupSignature,
  type InputOf,
  type OutputOf,
  type Signature,
  type SignatureOptions,
  TaskSignature,
} from './signature.js';

/** Built-in task that runs a task over a list of arguments, in one message (Celery `xmap`). */
export const MAP_TASK = 'celeriac.map';
/** Built-in task for `starmap` (tuple arguments; Celery `xstarmap`). */
export const STARMAP_TASK = 'celeriac.starmap';
export { COLLECT_TASK };

/**
 * What a chain step passes on once normalised: a one-member group, its member's value; an
 * empty group, the previous result unchanged; any other step (including `chunks` and a group
 * with a link, never dissolved), its output.
 */
export type StepOutput<H, Previous> = H extends ChunksSignature<infer _R> | { readonly __linked: true }
  ? OutputOf<H>
  : H extends GroupSignature<infer _In, infer O>
    ? O extends readonly []
      ? Previous
      : O extends readonly [infer Only]
        ? Only
        : O
    : OutputOf<H>;

/** The result of a chain of steps `S`, given the input before its first step. */
export type ChainOutput<S extends readonly unknown[], Previous = unknown> = S extends readonly [
  infer H,
  ...infer T,
]
  ? ChainOutput<T, StepOutput<H, Previous>>
  : Previous;

/**
 * The results of group members (or chord header members) in order, with nested groups
 * flattened into the list as Celery does: `group(a, group(b, c))` gives `[A, B, C]`.
 */
export type FlatOutputs<S extends readonly unknown[]> = S extends readonly [infer H, ...infer T]
  ? H extends ChunksSignature<infer _R> | { readonly __linked: true }
    ? [OutputOf<H>, ...FlatOutputs<T>]
    : H extends GroupSignature<infer _In, infer O>
      ? [...O, ...FlatOutputs<T>]
      : [OutputOf<H>, ...FlatOutputs<T>]
  : S extends readonly []
    ? []
    : OutputOf<S[number]>[];

/** What a chain step that cannot take the previous step's result is checked against. */
export interface ChainStepMismatch<Previous, Expected> {
  readonly 'chain step cannot take the previous result': {
    readonly previous: Previous;
    readonly expected: Expected;
  };
}

/**
 * Each step as given when it accepts the previous step's result (an immutable `si()` step
 * accepts anything), else a {@link ChainStepMismatch} naming both types, so `chain()` fails to
 * compile at the offending step.
 */
export type CheckedChain<
  S extends readonly AnySignature[],
  Previous = unknown,
  First = true,
> = S extends readonly [infer H extends AnySignature, ...infer T extends readonly AnySignature[]]
  ? [
      First extends true ? H : [Previous] extends [InputOf<H>] ? H : ChainStepMismatch<Previous, InputOf<H>>,
      ...CheckedChain<T, First extends true ? StepOutput<H, unknown> : StepOutput<H, Previous>, false>,
    ]
  : [];

/**
 * Run signatures one after another; each partial step receives the previous step's result.
 * A group followed by a step joins first (it becomes a chord). The chain's result is its last
 * step's. As in Celery, a one-member group in a chain is that member (its value, not a list) and
 * an empty group passes the previous result on; a group ending the chain stays a list.
 *
 * @example
 * ```ts
 * const h = await chain(add.si({ x: 4, y: 4 }), mul.s({ y: 8 }, { resultKey: 'x' })).apply();
 * await h.result(); // 64
 * ```
 */
export function chain<const S extends readonly [AnySignature, ...AnySignature[]]>(
  ...steps: S & CheckedChain<S>
): ChainSignature<InputOf<S[0]>, ChainOutput<S>> {
  return new ChainSignature(steps);
}

/**
 * Run signatures in parallel with the same input; the result lists their results in member order.
 * A nested group is flattened into this one (Celery); an empty group is a no-op resolving to `[]`.
 *
 * @example
 * ```ts
 * const h = await group(add.si({ x: 2, y: 2 }), add.si({ x: 4, y: 4 })).apply();
 * await h.result(); // [4, 8]
 * ```
 */
export function group<const S extends readonly AnySignature[]>(
  ...members: S
): GroupSignature<GroupInput<S>, FlatOutputs<S>> {
  return new GroupSignature(members) as GroupSignature<GroupInput<S>, FlatOutputs<S>>;
}

/** What a group takes: what its members take; anything for an empty group (a no-op). */
export type GroupInput<S extends readonly AnySignature[]> = S extends readonly []
  ? unknown
  : InputOf<S[number]>;

/**
 * Run the header in parallel, then the body once with the header's results in member order.
 * The join is one DynamoDB item per chord; a duplicate member delivery never counts twice and
 * the body is sent exactly once. A group among the header members is flattened into the header
 * (Celery). A member failing for good fails the chord; the body never runs, its errbacks run once.
 *
 * @example
 * ```ts
 * const h = await chord([add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })], xsum.s()).apply();
 * await h.result(); // 6
 * ```
 */
export function chord<const H extends readonly AnySignature[], R>(
  header: H | GroupSignature<unknown, unknown[]>,
  body: Signature<FlatOutputs<H>, R>,
): ChordSignature<InputOf<H[number]>, R> {
  const members = header instanceof GroupSignature ? header.members : (header as readonly AnySignature[]);
  return new ChordSignature(members, body);
}

/**
 * Run `task` for each item (each item is the task's arguments) inside ONE task message; the
 * result is the list of results. Without `items`, the previous step's result is the list.
 *
 * @example
 * ```ts
 * await map(double, [{ n: 1 }, { n: 2 }]).apply(); // result [2, 4]
 * chain(listUsers.si({}), map(sendWelcome)); // items from the previous step
 * ```
 */
export function map<A, R>(
  task: Task<A, R>,
  items?: readonly A[],
  options?: SignatureOptions,
): TaskSignature<A[], R[]> {
  return iterate(MAP_TASK, task, items, options);
}

/**
 * `map` for tasks whose argument is a tuple (Celery's `*args`): each item is one tuple. Celeriac
 * handlers take one argument, so this is `map` with a tuple type, kept for Celery familiarity.
 *
 * @example
 * ```ts
 * const pow = task('pow', {}, ([b, e]: [number, number]) => b ** e);
 * await starmap(pow, [[2, 3], [3, 2]]).apply(); // result [8, 9]
 * ```
 */
export function starmap<A extends readonly unknown[], R>(
  task: Task<A, R>,
  items?: readonly A[],
  options?: SignatureOptions,
): TaskSignature<A[], R[]> {
  return iterate(STARMAP_TASK, task, items, options);
}

/**
 * Split `items` into chunks of `size` and run each chunk as one task message (a group of
 * `map`s): fewer messages for many small tasks. The result is a list of lists, in order, even
 * with one chunk or none (unlike other groups, chunks are never unrolled or flattened).
 *
 * @example
 * ```ts
 * const h = await chunks(add, pairs, 10).apply(); // 100 pairs → 10 messages
 * (await h.result()).flat();
 * ```
 */
export function chunks<A, R>(
  task: Task<A, R>,
  items: readonly A[],
  size: number,
  options?: SignatureOptions,
): ChunksSignature<R> {
  if (!Number.isInteger(size) || size < 1) {
    throw invalid(ErrorCode.INVALID_CANVAS, `chunks of task "${task.name}" size`, size, 'an integer ≥ 1');
  }
  const parts: TaskSignature<A[], R[]>[] = [];
  for (let i = 0; i < items.length; i += size) parts.push(map(task, items.slice(i, i + size), options));
  return new ChunksSignature<R>(parts);
}

function iterate<A, R>(
  builtin: string,
  task: Task<A, R>,
  items: readonly A[] | undefined,
  options: SignatureOptions | undefined,
): TaskSignature<A[], R[]> {
  const target = { name: builtin, queue: task.definition.queue };
  return items === undefined
    ? new TaskSignature(target, {
        args: { task: task.name },
        mode: 'partial',
        resultKey: 'items',
        ...(options ? { options } : {}),
      })
    : new TaskSignature(target, {
        args: { task: task.name, items: items as unknown as Json },
        mode: 'immutable',
        ...(options ? { options } : {}),
      });
}
