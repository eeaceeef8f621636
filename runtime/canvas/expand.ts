import { CeleriacError, ErrorCode } from '../errors.js';
import type { Json } from '../json.js';
import type { CanvasNode, ChordRef, TaskNode } from './wire.js';

/** The previous step's result, when there is one. */
export type Input = { readonly value: Json } | undefined;

/** What follows a node: the rest of its chain, then the chord its chain reports to. */
export interface Continuation {
  readonly steps: readonly CanvasNode[];
  readonly join?: ChordRef;
}

/** One task message to send, before it becomes an envelope. */
export interface Outgoing {
  readonly node: TaskNode;
  readonly args: Json;
  /** Steps after this task (the chain travels in the envelope). */
  readonly chain?: readonly CanvasNode[];
  readonly chord?: ChordRef;
}

/** The body of a group that must join but has no following step: returns the list as is. */
export const COLLECT_TASK = 'celeriac.collect';

const isPlainObject = (value: unknown): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The arguments of a task node given the previous result (Celery's partial semantics, for
 * single-argument handlers):
 * - `si(args)` (immutable): `args`, the previous result is ignored;
 * - `s()`: the previous result is the arguments;
 * - `s(args, { resultKey: 'x' })`: `{ ...args, x: previous }`;
 * - `s(args)`: `{ ...previous, ...args }` — the previous result must be an object.
 *
 * @throws CeleriacError `INVALID_CANVAS` when `s(args)` gets a previous result that is not an object.
 * @example
 * ```ts
 * resolveArgs(node, { value: 4 }); // for mul.s({ y: 2 }, { resultKey: 'x' }) → { y: 2, x: 4 }
 * ```
 */
export function resolveArgs(node: TaskNode, input: Input): Json {
  if (node.mode === 'immutable' || input === undefined) return node.args ?? null;
  if (node.resultKey !== undefined) {
    return { ...(isPlainObject(node.args) ? node.args : {}), [node.resultKey]: input.value };
  }
  if (node.args === undefined) return input.value;
  if (isPlainObject(node.args) && isPlainObject(input.value)) return { ...input.value, ...node.args };
  throw new CeleriacError(
    ErrorCode.INVALID_CANVAS,
    `task "${node.task}" ${node.id}: a partial signature with arguments merges them into the previous result, which must be an object; got ${Array.isArray(input.value) ? 'an array' : typeof input.value}. Use s(args, { resultKey }) or si(args).`,
    { value: input.value, allowed: 'an object previous result, or resultKey' },
  );
}

/**
 * Turn a node into the task messages to send now, given the previous result and what follows.
 * Pure: sends nothing. A group followed by anything (a step, or a chord it belongs to) becomes a
 * chord, so it joins before the next step, as in Celery; so does a group with a link, which then
 * runs once with the list. Expects a normalised node (see `normalize`).
 *
 * @example
 * ```ts
 * const out: Outgoing[] = [];
 * expand(chainNode, undefined, { steps: [] }, out);
 * ```
 */
export function expand(node: CanvasNode, input: Input, cont: Continuation, out: Outgoing[]): void {
  switch (node.kind) {
    case 'task':
      out.push({
        node,
        args: resolveArgs(node, input),
        ...(cont.steps.length ? { chain: cont.steps } : {}),
        ...(cont.join ? { chord: cont.join } : {}),
      });
      return;
    case 'chain': {
      const [first, ...rest] = node.steps;
      if (!first) {
        // An empty chain passes its input on.
        const [next, ...after] = cont.steps;
        if (next) expand(next, input, { steps: after, join: cont.join }, out);
        return;
      }
      expand(first, input, { steps: [...rest, ...cont.steps], join: cont.join }, out);
      return;
    }
    case 'group': {
      const links = node.link ?? [];
      if (cont.steps.length === 0 && !cont.join && links.length === 0) {
        for (const member of node.members) expand(member, input, { steps: [] }, out);
        return;
      }
      // It must join: before the next step, before reporting to its chord, or to run its link
      // once with the list (a `collect` task that returns the list as is carries the link).
      const steps: CanvasNode[] =
        links.length || cont.steps.length === 0
          ? [collectNode(node.id, firstQueue(node), links), ...cont.steps]
          : [...cont.steps];
      const body: CanvasNode = steps.length === 1 ? (steps[0] as CanvasNode) : { kind: 'chain', steps };
      expand(
        { kind: 'chord', id: node.id, header: node.members, body },
        input,
        { steps: [], join: cont.join },
        out,
      );
      return;
    }
    case 'chord': {
      const body = [node.body, ...cont.steps];
      if (node.header.length === 0) {
        expand({ kind: 'chain', steps: body }, { value: [] }, { steps: [], join: cont.join }, out);
        return;
      }
      node.header.forEach((member, index) => {
        const ref: ChordRef = {
          id: node.id,
          index,
          size: node.header.length,
          body,
          ...(cont.join ? { join: cont.join } : {}),
        };
        expand(member, input, { steps: [], join: ref }, out);
      });
      return;
    }
  }
}

function collectNode(groupId: string, queue: string, link: readonly CanvasNode[]): TaskNode {
  return {
    kind: 'task',
    id: `${groupId}.collect`.slice(-128),
    task: COLLECT_TASK,
    queue,
    mode: 'partial',
    ...(link.length ? { link } : {}),
  };
}

function firstQueue(node: CanvasNode): string {
  const first = firstTask(node);
  return first?.queue ?? 'default';
}

/**
 * The first task node of a canvas, in sending order (its id is the workflow's root).
 *
 * @example
 * ```ts
 * firstTask(chainNode)?.id;
 * ```
 */
export function firstTask(node: CanvasNode): TaskNode | undefined {
  switch (node.kind) {
    case 'task':
      return node;
    case 'chain':
      for (const step of node.steps) {
        const t = firstTask(step);
        if (t) return t;
      }
      return undefined;
    case 'group':
      for (const member of node.members) {
        const t = firstTask(member);
        if (t) return t;
      }
      return undefined;
    case 'chord':
      for (const member of node.header) {
        const t = firstTask(member);
        if (t) return t;
      }
      return firstTask(node.body);
  }
}

/**
 * The ids whose results make up a node's result: one for a task or a chain ending in a task,
 * one per member for a group (flattened), the body's for a chord.
 *
 * @example
 * ```ts
 * finalIds(chainNode); // ['id-of-last-step']
 * ```
 */
export function finalIds(node: CanvasNode): string[] {
  switch (node.kind) {
    case 'task':
      return [node.id];
    case 'chain': {
      const last = node.steps[node.steps.length - 1];
      return last ? finalIds(last) : [];
    }
    case 'group':
      return node.members.flatMap(finalIds);
    case 'chord':
      return finalIds(node.body);
  }
}
