import * as v from 'valibot';
import type { Json } from '../json.js';
import { once } from '../once.js';

/**
 * The JSON form of a canvas as it travels inside envelopes. Every task node carries the id it
 * will run under, frozen when the workflow is applied, so handles know their ids up front and a
 * repeated continuation re-sends the same ids (duplicates are then deduplicated by the worker).
 */
export type CanvasNode = TaskNode | ChainNode | GroupNode | ChordNode;

/** How a task signature builds its arguments from the previous step's result. */
export type ArgsMode = 'partial' | 'immutable';

/** One task to run. */
export interface TaskNode {
  readonly kind: 'task';
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  /** Fixed arguments (`si`) or the partial part (`s`). */
  readonly args?: Json;
  readonly mode: ArgsMode;
  /** `s(args, { resultKey })`: the previous result goes in this property of the arguments. */
  readonly resultKey?: string;
  readonly delayMs?: number;
  readonly maxAttempts?: number;
  readonly link?: readonly CanvasNode[];
  readonly linkError?: readonly CanvasNode[];
}

/** Steps run one after the other, each getting the previous result. */
export interface ChainNode {
  readonly kind: 'chain';
  readonly steps: readonly CanvasNode[];
}

/** Members run in parallel; results in member order. */
export interface GroupNode {
  readonly kind: 'group';
  readonly id: string;
  readonly members: readonly CanvasNode[];
  /** Run once with the list of the members' results (Celery: a link on a group). */
  readonly link?: readonly CanvasNode[];
  /** Never flattened, unrolled or dropped by normalisation (`chunks`: always a list of lists). */
  readonly keep?: true;
}

/** A group whose results, in member order, feed one body once every member has succeeded. */
export interface ChordNode {
  readonly kind: 'chord';
  readonly id: string;
  readonly header: readonly CanvasNode[];
  readonly body: CanvasNode;
}

/**
 * Chord membership carried by a member's envelope (and along the member's own chain): when the
 * member's last task succeeds it records its result under `index` in the chord item `id`.
 */
export interface ChordRef {
  readonly id: string;
  readonly index: number;
  readonly size: number;
  /**
   * The body, then whatever followed the chord in its chain. When a member fails for good, the
   * errbacks found on these nodes run once, with the body's id.
   */
  readonly body: readonly CanvasNode[];
  /** The chord (if any) the body itself reports to. */
  readonly join?: ChordRef;
}

/**
 * What an errback (`onError` / link-error) receives as its input.
 *
 * @example
 * ```ts
 * const alert = task('alert', {}, (input: ErrbackInput) =>
 *   input.member ? `chord body ${input.id}: member ${input.member.id} failed` : `${input.id} failed`);
 * ```
 */
export interface ErrbackInput {
  /**
   * The task the errback was attached to: the task that failed, or, for an errback on a chord's
   * body (or on the chord), the body, which will never run.
   */
  readonly id: string;
  readonly task: string;
  /** The error that failed it: the failing task's own (for a chord, the failing member's). */
  readonly error: { readonly type: string; readonly message: string; readonly code?: string };
  /** Set when the failure failed a chord. */
  readonly chordId?: string;
  /** Set when the failure failed a chord: the header member that failed for good. */
  readonly member?: { readonly id: string; readonly task: string };
}

/**
 * Build the wire schemas (on first decode, never at import: a cold start does not pay for them).
 * The recursion goes through `v.lazy`, so each schema is built once.
 */
function buildSchemas() {
  const ID = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/));

  const TaskNodeSchema: v.GenericSchema<TaskNode> = v.object({
    kind: v.literal('task'),
    id: ID,
    task: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
    queue: v.pipe(v.string(), v.minLength(1)),
    args: v.optional(v.unknown() as v.GenericSchema<Json>),
    mode: v.union([v.literal('partial'), v.literal('immutable')]),
    resultKey: v.optional(v.string()),
    delayMs: v.optional(v.pipe(v.number(), v.minValue(0))),
    maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
    link: v.optional(v.array(v.lazy(() => NodeSchema))),
    linkError: v.optional(v.array(v.lazy(() => NodeSchema))),
  });

  const NodeSchema: v.GenericSchema<CanvasNode> = v.union([
    TaskNodeSchema,
    v.object({ kind: v.literal('chain'), steps: v.array(v.lazy(() => NodeSchema)) }),
    v.object({
      kind: v.literal('group'),
      id: ID,
      members: v.array(v.lazy(() => NodeSchema)),
      link: v.optional(v.array(v.lazy(() => NodeSchema))),
      keep: v.optional(v.literal(true)),
    }),
    v.object({
      kind: v.literal('chord'),
      id: ID,
      header: v.array(v.lazy(() => NodeSchema)),
      body: v.lazy(() => NodeSchema),
    }),
  ]) as unknown as v.GenericSchema<CanvasNode>;

  const ChordRefSchema: v.GenericSchema<ChordRef> = v.object({
    id: ID,
    index: v.pipe(v.number(), v.integer(), v.minValue(0)),
    size: v.pipe(v.number(), v.integer(), v.minValue(1)),
    body: v.array(NodeSchema),
    join: v.optional(v.lazy(() => ChordRefSchema)),
  });
  return { node: NodeSchema, nodes: v.array(NodeSchema), chordRef: ChordRefSchema };
}

/** The schemas, built once. */
const schemas = once(buildSchemas);

/** Valibot schemas of the wire forms, used by the envelope decoder. */
export const CanvasSchemas = {
  node: v.lazy(() => schemas().node),
  nodes: v.lazy(() => schemas().nodes),
  chordRef: v.lazy(() => schemas().chordRef),
} as const;
