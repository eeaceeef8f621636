import { type CeleriacClient, getDefaultClient } from '../client.js';
import { type Duration, toMillis } from '../duration.js';
import { CeleriacError, ErrorCode, invalid } from '../errors.js';
import { assertJsonValue, type Json, toJson } from '../json.js';
import { checkMaxAttempts } from '../retry.js';
import { sendEnvelopes } from '../send.js';
import { toEnvelopes } from './envelopes.js';
import { expand, firstTask, type Input, type Outgoing } from './expand.js';
import { normalize } from './normalize.js';
import type { CanvasNode, ErrbackInput, GroupNode, TaskNode } from './wire.js';
import { resultRefOf, WorkflowHandle } from './workflow-handle.js';

/** Per-signature options: override the task's queue, delay it, override its retry count. */
export interface SignatureOptions {
  /** Send this step to another queue than the task's own. */
  readonly queue?: string;
  /** Delay this step (from when it is sent: for a chain step, when the previous step ends). */
  readonly delay?: Duration;
  /** Override the task's `retry.maxAttempts` for this step. */
  readonly maxAttempts?: number;
}

/** Options of `signature.apply()`. */
export interface ApplyOptions<In = unknown> {
  /** @default the default client */
  readonly client?: CeleriacClient;
  /** Tags for the first messages of the workflow. */
  readonly tags?: readonly string[];
  /**
   * Feed a partial canvas (Celery `sig.apply_async(args)`): a task or chain passes it to its
   * first step, a group or chord header to every member, as if it were a previous step's
   * result. Immutable (`si`) steps ignore it. Must be JSON. @default no input
   */
  readonly input?: In;
  /**
   * The running task that starts this canvas (pass the handler's `ctx`): the canvas joins that
   * task's workflow (same root id) and its first tasks name it as their parent, so
   * `handle.children()` of that task lists them (Celery links subtasks to the caller the same
   * way). @default a workflow of its own
   */
  readonly parent?: { readonly id: string; readonly rootId: string };
}

/** Any signature, whatever its input and output. */
// biome-ignore lint/suspicious/noExplicitAny: variance helper for heterogeneous signature lists
export type AnySignature = Signature<any, unknown>;
/** The output type of a signature. */
export type OutputOf<S> = S extends Signature<infer _In, infer Out> ? Out : never;
/** The input type of a signature. */
export type InputOf<S> = S extends Signature<infer In, unknown> ? In : never;

/**
 * A frozen-later description of work: a task with arguments (`task.s()`, `task.si()`), a chain,
 * a group or a chord. `In` is what it takes from a previous step, `Out` what it produces.
 * Signatures are immutable values; `link`/`onError` return new ones.
 *
 * @example
 * ```ts
 * const handle = await chain(add.si({ x: 2, y: 2 }), mul.s({ y: 4 }, { resultKey: 'x' })).apply();
 * await handle.result(); // 16
 * ```
 */
export abstract class Signature<In = unknown, Out = unknown> {
  /** Phantom: the input type (documentation; bivariant so tasks stay assignable to `Task`). */
  declare readonly __in?: { check(input: In): void }['check'];
  /** Phantom: the output type. */
  declare readonly __out?: Out;

  constructor(
    readonly links: readonly AnySignature[] = [],
    readonly errbacks: readonly AnySignature[] = [],
  ) {}

  /** @internal The wire form with fresh ids, without callbacks. */
  protected abstract freezeSelf(): CanvasNode;
  /** @internal A copy with other callbacks. */
  protected abstract with(links: readonly AnySignature[], errbacks: readonly AnySignature[]): this;

  /**
   * Run `callback` with this signature's result when it succeeds (Celery `link`). On a chain it
   * follows the last step; on a group it runs once with the list of the members' results (link
   * the members for one callback each); on a chord, it follows the body.
   */
  link(callback: Signature<Out, unknown>): this {
    return this.with([...this.links, callback], this.errbacks);
  }

  /**
   * Run `errback` (input: {@link ErrbackInput}) when a task of this signature fails for good
   * (Celery `link_error`). On a chain every step carries it; on a group, every member; on a
   * chord, the body (as in Celery): it runs once, with the body's id, when a header member
   * fails for good (the body then never runs), or when the body itself fails.
   */
  onError(errback: Signature<ErrbackInput, unknown>): this {
    return this.with(this.links, [...this.errbacks, errback]);
  }

  /** The wire form, with fresh ids for every task, normalised as Celery does (see `normalize`). */
  freeze(): CanvasNode {
    let node = normalize(this.freezeSelf());
    for (const l of this.links) node = addLink(node, l.freeze());
    for (const e of this.errbacks) node = addErrback(node, e.freeze());
    return node;
  }

  /**
   * Send the workflow: the tasks that can start now are sent (in batches); the rest travels in
   * their envelopes. Returns a handle whose result is this signature's result. With
   * `options.input`, a partial canvas is fed that input (see {@link ApplyOptions.input}). A
   * canvas with no task at all (an empty group) sends nothing; its handle resolves to `[]`.
   *
   * @example
   * ```ts
   * const handle = await chain(mul.s({ y: 2 }, { resultKey: 'x' }), add.s({ y: 1 }, { resultKey: 'x' }))
   *   .apply({ input: 5 });
   * await handle.result(); // 11
   * ```
   */
  async apply(options: ApplyOptions<In> = {}): Promise<WorkflowHandle<Out>> {
    const client = options.client ?? getDefaultClient();
    let input: Input;
    if (options.input !== undefined) {
      assertJsonValue(options.input, 'workflow input');
      input = { value: options.input as Json };
    }
    // Taken before the ids are minted (by freeze): a lower bound of when they came to exist.
    // A child workflow's root is its parent's, minted earlier: it carries no mint time.
    const born = options.parent ? undefined : client.now();
    const node = this.freeze();
    const root = options.parent?.rootId ?? firstTask(node)?.id ?? crypto.randomUUID();
    const out: Outgoing[] = [];
    expand(node, input, { steps: [] }, out);
    await sendEnvelopes(
      client,
      toEnvelopes(out, {
        root,
        now: client.now(),
        born,
        ...(options.parent ? { parent: options.parent.id } : {}),
        ...(options.tags ? { tags: options.tags } : {}),
      }),
    );
    const parents = node.kind === 'chain' ? node.steps.slice(0, -1).map(resultRefOf) : [];
    return new WorkflowHandle<Out>(root, resultRefOf(node), client, parents);
  }

  /** Same as {@link Signature.apply}. */
  enqueue(options: ApplyOptions<In> = {}): Promise<WorkflowHandle<Out>> {
    return this.apply(options);
  }
}

function addLink(node: CanvasNode, link: CanvasNode): CanvasNode {
  switch (node.kind) {
    case 'task':
      return { ...node, link: [...(node.link ?? []), link] };
    case 'chain': {
      const last = node.steps[node.steps.length - 1];
      return last ? { ...node, steps: [...node.steps.slice(0, -1), addLink(last, link)] } : node;
    }
    case 'group':
      return { ...node, link: [...(node.link ?? []), link] };
    case 'chord':
      return { ...node, body: addLink(node.body, link) };
  }
}

function addErrback(node: CanvasNode, errback: CanvasNode): CanvasNode {
  switch (node.kind) {
    case 'task':
      return { ...node, linkError: [...(node.linkError ?? []), errback] };
    case 'chain':
      return { ...node, steps: node.steps.map((s) => addErrback(s, errback)) };
    case 'group':
      return { ...node, members: node.members.map((m) => addErrback(m, errback)) };
    case 'chord':
      // Celery: a chord's link_error is its body's.
      return { ...node, body: addErrback(node.body, errback) };
  }
}

/** What a task signature needs to know about its task. */
export interface SignatureTarget {
  readonly name: string;
  readonly queue: string;
}

/** How a {@link TaskSignature} builds its arguments (see `resolveArgs`). */
export interface TaskSignatureSpec {
  readonly args?: Json;
  readonly mode: 'partial' | 'immutable';
  readonly resultKey?: string;
  readonly options?: SignatureOptions;
}

/**
 * One task with (some of) its arguments. Made by `task.s(…)` (partial: takes the previous
 * result) and `task.si(…)` (immutable: ignores it).
 *
 * @example
 * ```ts
 * const double = mul.s({ y: 2 }, { resultKey: 'x' }); // TaskSignature<number, number>
 * ```
 */
export class TaskSignature<In = unknown, Out = unknown> extends Signature<In, Out> {
  readonly delayMs: number | undefined;

  constructor(
    readonly target: SignatureTarget,
    readonly spec: TaskSignatureSpec,
    links: readonly AnySignature[] = [],
    errbacks: readonly AnySignature[] = [],
  ) {
    super(links, errbacks);
    const what = `signature of task "${target.name}"`;
    if (spec.args !== undefined) toJson(spec.args, `${what} args`);
    const o = spec.options ?? {};
    if (o.maxAttempts !== undefined) checkMaxAttempts(o.maxAttempts, `${what} maxAttempts`);
    if (o.queue !== undefined && (typeof o.queue !== 'string' || o.queue.length === 0)) {
      throw invalid(ErrorCode.INVALID_OPTION, `${what} queue`, o.queue, 'a queue name');
    }
    this.delayMs = o.delay === undefined ? undefined : toMillis(o.delay, `${what} delay`);
    if (spec.resultKey !== undefined && (typeof spec.resultKey !== 'string' || !spec.resultKey)) {
      throw invalid(ErrorCode.INVALID_OPTION, `${what} resultKey`, spec.resultKey, 'a property name');
    }
  }

  protected freezeSelf(): TaskNode {
    const o = this.spec.options ?? {};
    return {
      kind: 'task',
      id: crypto.randomUUID(),
      task: this.target.name,
      queue: o.queue ?? this.target.queue,
      mode: this.spec.mode,
      ...(this.spec.args !== undefined ? { args: this.spec.args } : {}),
      ...(this.spec.resultKey !== undefined ? { resultKey: this.spec.resultKey } : {}),
      ...(this.delayMs ? { delayMs: this.delayMs } : {}),
      ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
    };
  }

  protected with(links: readonly AnySignature[], errbacks: readonly AnySignature[]): this {
    return new TaskSignature<In, Out>(this.target, this.spec, links, errbacks) as this;
  }
}

/**
 * Steps run one after another; each partial step gets the previous result. Made by `chain()`.
 *
 * @example
 * ```ts
 * chain(add.si({ x: 1, y: 1 }), mul.s({ y: 10 }, { resultKey: 'x' }));
 * ```
 */
export class ChainSignature<In = unknown, Out = unknown> extends Signature<In, Out> {
  constructor(
    readonly steps: readonly AnySignature[],
    links: readonly AnySignature[] = [],
    errbacks: readonly AnySignature[] = [],
  ) {
    super(links, errbacks);
    if (steps.length === 0) throw invalid(ErrorCode.INVALID_CANVAS, 'chain', 'no steps', 'at least one step');
  }

  protected freezeSelf(): CanvasNode {
    return { kind: 'chain', steps: this.steps.map((s) => s.freeze()) };
  }

  protected with(links: readonly AnySignature[], errbacks: readonly AnySignature[]): this {
    return new ChainSignature<In, Out>(this.steps, links, errbacks) as this;
  }
}

/**
 * Members run in parallel, each with the same input; the result is their results in member
 * order. Followed by a step (in a chain), a group joins first — it becomes a chord.
 *
 * @example
 * ```ts
 * const handle = await group(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })).apply();
 * await handle.result(); // [2, 4]
 * ```
 */
export class GroupSignature<In = unknown, Out extends unknown[] = unknown[]> extends Signature<In, Out> {
  /** Phantom: set (in types only) by `link()`: normalisation never dissolves a linked group. */
  declare readonly __linked?: true;

  /**
   * Run `callback` once with the list of the members' results (Celery: a link on a group). A
   * linked group is never flattened or unrolled, so its result stays a list (types follow).
   */
  override link(callback: Signature<Out, unknown>): this & { readonly __linked: true } {
    return super.link(callback) as this & { readonly __linked: true };
  }

  constructor(
    readonly members: readonly AnySignature[],
    links: readonly AnySignature[] = [],
    errbacks: readonly AnySignature[] = [],
  ) {
    super(links, errbacks);
  }

  protected freezeSelf(): CanvasNode {
    return { kind: 'group', id: crypto.randomUUID(), members: this.members.map((m) => m.freeze()) };
  }

  protected with(links: readonly AnySignature[], errbacks: readonly AnySignature[]): this {
    return new GroupSignature<In, Out>(this.members, links, errbacks) as this;
  }
}

/**
 * The group `chunks()` makes: one `map` per chunk. Unlike other groups, it is never flattened,
 * unrolled or dropped, so its result is always a list of lists, whatever the number of chunks.
 *
 * @example
 * ```ts
 * const sig = chunks(add, pairs, 10); // ChunksSignature<number>
 * ```
 */
export class ChunksSignature<R = unknown> extends GroupSignature<unknown, R[][]> {
  /** Phantom: tells chunks from other groups in the result types. */
  declare readonly __chunks: true;

  protected override freezeSelf(): CanvasNode {
    return { ...(super.freezeSelf() as GroupNode), keep: true };
  }

  protected override with(links: readonly AnySignature[], errbacks: readonly AnySignature[]): this {
    return new ChunksSignature<R>(this.members, links, errbacks) as this;
  }
}

/**
 * A header group and a body that runs once with the header's results, in member order, after
 * every member succeeded. If a member fails for good the chord fails once and the body never runs.
 *
 * @example
 * ```ts
 * const handle = await chord([add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })], xsum.s()).apply();
 * await handle.result(); // 6
 * ```
 */
export class ChordSignature<In = unknown, Out = unknown> extends Signature<In, Out> {
  constructor(
    readonly header: readonly AnySignature[],
    readonly body: AnySignature,
    links: readonly AnySignature[] = [],
    errbacks: readonly AnySignature[] = [],
  ) {
    super(links, errbacks);
    if (!(body instanceof Signature)) {
      throw new CeleriacError(ErrorCode.INVALID_CANVAS, 'chord body must be a signature', { value: body });
    }
  }

  protected freezeSelf(): CanvasNode {
    return {
      kind: 'chord',
      id: crypto.randomUUID(),
      header: this.header.map((m) => m.freeze()),
      body: this.body.freeze(),
    };
  }

  protected with(links: readonly AnySignature[], errbacks: readonly AnySignature[]): this {
    return new ChordSignature<In, Out>(this.header, this.body, links, errbacks) as this;
  }
}
