import type { CeleriacClient } from '../client.js';
import { Defaults, TaskState } from '../constants.js';
import type { Envelope } from '../envelope.js';
import { ErrorCode } from '../errors.js';
import type { Json } from '../json.js';
import type { SerializedError } from '../results/record.js';
import { writeTransition } from '../results/write.js';
import { sendEnvelopes } from '../send.js';
import { failChord, markBodySent, recordMember, releaseFiring } from './chord-store.js';
import { type EnvelopeContext, toEnvelopes } from './envelopes.js';
import { type Continuation, expand, firstTask, type Outgoing } from './expand.js';
import type { AbortedError } from './wait-many.js';
import type { CanvasNode, ChordRef, ErrbackInput, TaskNode } from './wire.js';

/** True when an envelope has anything to continue with after its task. */
export function hasContinuation(env: Envelope): boolean {
  return Boolean(env.chain?.length || env.chord || env.link?.length || env.linkError?.length);
}

/**
 * After a task succeeded: send its link callbacks and the next chain step (the rest of the chain
 * travels in the envelope: no DynamoDB write), or, at the end of a chord member's chain, record
 * the member in the chord item and, for the one member that completes it, send the body with the
 * results in member order. Runs before the task's own SUCCESS write, so a failure here retries
 * the message; every id is frozen, so a repeat re-sends the same ids.
 *
 * @example
 * ```ts
 * await continueOnSuccess(client, env, result, requestId);
 * ```
 */
export async function continueOnSuccess(
  client: CeleriacClient,
  env: Envelope,
  result: Json,
  token: string,
  /** When this invocation ends (epoch ms): stored with a chord firing claim. */
  deadline?: number,
): Promise<void> {
  const out: Outgoing[] = [];
  for (const node of env.link ?? []) expand(node, { value: result }, { steps: [] }, out);
  if (env.chain?.length) {
    const cont: Continuation = env.chord ? { steps: [], join: env.chord } : { steps: [] };
    expand({ kind: 'chain', steps: env.chain }, { value: result }, cont, out);
  }
  await sendEnvelopes(client, toEnvelopes(out, sentBy(env, client)));
  if (env.chain?.length || !env.chord) return;
  const ref = env.chord;
  const joined = await recordMember(client, ref, env.id, result, env.root, `${env.id}:${token}`, deadline);
  if (!joined.fire && joined.reason === 'sending') {
    // This member's earlier delivery claimed the firing and may still be sending the body: come
    // back later, when it is either marked sent or known lost (then this delivery re-sends it).
    throw new Error(
      `chord ${ref.id}: its body is being sent by an earlier delivery of ${env.id}; retry later`,
    );
  }
  if (!joined.fire) return;
  const body: Outgoing[] = [];
  expand({ kind: 'chain', steps: ref.body }, { value: joined.results }, joinOf(ref), body);
  try {
    await sendEnvelopes(client, toEnvelopes(body, { ...sentBy(env, client), joinOf: ref.id }));
  } catch (err) {
    await releaseFiring(client, ref.id, `${env.id}:${token}`).catch(() => undefined);
    throw err;
  }
  // Best effort: unmarked, a later delivery of this member would wait for the claim to lapse and send again.
  await markBodySent(client, ref.id).catch(() => undefined);
}

function joinOf(ref: ChordRef): Continuation {
  return ref.join ? { steps: [], join: ref.join } : { steps: [] };
}

/**
 * After a task failed for good: run its link-error callbacks; mark the chain steps that will now
 * never run as FAILURE (`CHAIN_ABORTED`, carrying the failing step's own error and id under
 * `origin`, so a handle waiting on the chain rejects at once with that step's error); and fail
 * the chord its chain reports to, once: the body is marked FAILURE (`CHORD_FAILED`, naming the
 * member and why), the errbacks on the body (a chord's `onError` is its body's) run once with
 * the body's id, the failing member's id and its error, and the failure cascades to an
 * enclosing chord. An errback that already ran for this failure is not run again.
 *
 * @example
 * ```ts
 * await continueOnFailure(client, env, serializeError(err));
 * ```
 */
export async function continueOnFailure(
  client: CeleriacClient,
  env: Envelope,
  error: SerializedError,
): Promise<void> {
  const own: ErrbackInput['error'] = {
    type: error.type,
    message: error.message,
    ...(error.code ? { code: error.code } : {}),
  };
  const ran = new Set<string>();
  const out: Outgoing[] = [];
  for (const node of env.linkError ?? []) {
    ran.add(errbackKey(node));
    expand(
      node,
      { value: { id: env.id, task: env.task, error: own } satisfies ErrbackInput },
      { steps: [] },
      out,
    );
  }
  await sendEnvelopes(client, toEnvelopes(out, sentBy(env, client)));
  if (env.chain?.length) {
    const aborted: AbortedError = {
      type: 'ChainAborted',
      code: ErrorCode.CHAIN_ABORTED,
      message: `never ran: step ${env.id} (${env.task}) failed: ${error.type}: ${error.message}`,
      // The stack stays on the failing step's own record: not copied into every aborted step.
      origin: {
        type: error.type,
        message: error.message,
        ...(error.code ? { code: error.code } : {}),
        id: env.id,
        task: env.task,
      },
    };
    await markFailed(client, finalTasks({ kind: 'chain', steps: env.chain }), env, aborted);
  }
  let ref = env.chord;
  let why = { member: env.id, task: env.task, type: error.type, message: error.message };
  while (ref) {
    const first = await failChord(client, ref.id, why, env.root, ref.size);
    if (!first) return;
    const chordError: SerializedError = {
      type: 'ChordError',
      code: ErrorCode.CHORD_FAILED,
      message: `chord ${ref.id} failed: member ${why.member} (${why.task}) failed: ${why.type}: ${why.message}`,
    };
    await markFailed(client, finalTasks({ kind: 'chain', steps: ref.body }), env, chordError);
    const body = finalTasks(ref.body[0] ?? { kind: 'chain', steps: [] })[0];
    const errbacks: Outgoing[] = [];
    const input: ErrbackInput = {
      id: body?.id ?? ref.id,
      task: body?.task ?? 'chord',
      error: own,
      chordId: ref.id,
      member: { id: env.id, task: env.task },
    };
    for (const node of errbacksOf(ref.body)) {
      const key = errbackKey(node);
      if (ran.has(key)) continue;
      ran.add(key);
      expand(node, { value: input as unknown as Json }, { steps: [] }, errbacks);
    }
    await sendEnvelopes(client, toEnvelopes(errbacks, sentBy(env, client)));
    why = { member: ref.id, task: 'chord', type: 'ChordError', message: chordError.message };
    ref = ref.join;
  }
}

/**
 * Where the messages a finished task sends sit: its workflow, the task as their parent, and the
 * workflow's mint time carried on.
 */
function sentBy(env: Envelope, client: CeleriacClient): EnvelopeContext {
  return { root: env.root, parent: env.id, now: client.now(), born: env.born };
}

/** An errback's identity: the same errback spread over many tasks shares its frozen ids. */
function errbackKey(node: CanvasNode): string {
  return firstTask(node)?.id ?? JSON.stringify(node);
}

/** The distinct errbacks carried by the tasks of `nodes` (a chord body and what follows it). */
export function errbacksOf(nodes: readonly CanvasNode[]): CanvasNode[] {
  const found = new Map<string, CanvasNode>();
  const walk = (node: CanvasNode): void => {
    switch (node.kind) {
      case 'task':
        for (const e of node.linkError ?? []) if (!found.has(errbackKey(e))) found.set(errbackKey(e), e);
        return;
      case 'chain':
        for (const step of node.steps) walk(step);
        return;
      case 'group':
        for (const member of node.members) walk(member);
        return;
      case 'chord':
        // A chord's errbacks are its body's; its header members' own are not the body's.
        walk(node.body);
        return;
    }
  };
  for (const node of nodes) walk(node);
  return [...found.values()];
}

/** The task nodes whose results make up a node's result (see `finalIds`). */
export function finalTasks(node: CanvasNode): TaskNode[] {
  switch (node.kind) {
    case 'task':
      return [node];
    case 'chain': {
      const last = node.steps[node.steps.length - 1];
      return last ? finalTasks(last) : [];
    }
    case 'group':
      return node.members.flatMap(finalTasks);
    case 'chord':
      return finalTasks(node.body);
  }
}

async function markFailed(
  client: CeleriacClient,
  tasks: readonly TaskNode[],
  env: Envelope,
  error: SerializedError,
): Promise<void> {
  const now = client.now();
  await Promise.all(
    tasks.map((t) =>
      writeTransition(client.results, {
        id: t.id,
        state: TaskState.FAILURE,
        task: t.task,
        queue: t.queue,
        attempt: 0,
        rootId: env.root,
        parentId: env.id,
        tags: [],
        ttlMs: Defaults.RESULT_TTL_MS,
        finishedAt: now,
        error,
        workflow: true,
      }),
    ),
  );
}
