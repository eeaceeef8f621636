import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type CeleriacClient, getDefaultClient } from '../client.js';
import { Defaults, FINAL_STATES, TaskState } from '../constants.js';
import { ResultsSchema } from '../results/schema.js';
import { workflowMemberIds } from '../results/workflow-members.js';
import { writeTransition } from '../results/write.js';
import { deleteTaskSchedule } from '../schedules/one-time.js';
import { raiseRevocationHorizon } from '../worker/revocation-horizon.js';
import { revocationKey } from '../worker/revocations.js';

/** Options of {@link revoke} and {@link revokeWorkflow}. */
export interface RevokeOptions {
  /** @default the default client */
  readonly client?: CeleriacClient;
  /** The task's name, for the record of a task not stored yet. */
  readonly task?: string;
  /** Why, shown on the record. @default 'revoked' */
  readonly reason?: string;
}

/** What {@link revoke} did. */
export interface RevokeResult {
  readonly id: string;
  /** False when the task had already finished (SUCCESS or FAILURE): nothing changed. */
  readonly revoked: boolean;
  readonly state: TaskState;
  /** A long-delayed task's one-time schedule was deleted. */
  readonly scheduleDeleted: boolean;
}

/**
 * Revoke a task by id, in whatever state it is:
 * - first its record becomes REVOKED (a conditional write that never replaces SUCCESS or
 *   FAILURE); when that write fails, nothing else changes;
 * - then its revocation item is written (one item per id, deleted by TTL after the hold) and
 *   the revocation horizon raised to now; workers read the horizon (cached up to a second) and
 *   the ids of each message minted before it, so a queued or delayed message is skipped when it
 *   arrives, and a running task gets its AbortSignal at the next check (every 2 s by default);
 * - last, a long-delayed task's one-time Scheduler schedule is deleted, so it never fires.
 *
 * @example
 * ```ts
 * const out = await revoke(handle.id, { client, reason: 'customer cancelled' });
 * out.revoked; // true
 * ```
 */
export async function revoke(id: string, options: RevokeOptions = {}): Promise<RevokeResult> {
  const client = options.client ?? getDefaultClient();
  const current = await client.results.get(id);
  if (current && FINAL_STATES.has(current.state) && current.state !== TaskState.REVOKED) {
    return { id, revoked: false, state: current.state, scheduleDeleted: false };
  }
  // REVOKED is written first: if it fails, nothing else changed (a delayed task keeps its
  // schedule and its state). Listing and deleting the schedule follow.
  const out = await writeTransition(client.results, {
    id,
    state: TaskState.REVOKED,
    task: current?.task ?? options.task ?? '(unknown)',
    queue: current?.queue ?? '(unknown)',
    attempt: current?.attempts ?? 0,
    rootId: current?.rootId ?? id,
    ...(current?.parentId ? { parentId: current.parentId } : {}),
    tags: current?.tags ?? [],
    ttlMs: Defaults.RESULT_TTL_MS,
    finishedAt: client.now(),
    error: { type: 'Revoked', message: (options.reason ?? 'revoked').slice(0, 500) },
    workflow: current ? current.rootId !== id : false,
    protect: [TaskState.SUCCESS, TaskState.FAILURE],
  });
  if (!out.written) {
    return { id, revoked: false, state: out.current ?? TaskState.PENDING, scheduleDeleted: false };
  }
  await listRevoked(client, id);
  const scheduleDeleted = await deleteTaskSchedule(client, id);
  return { id, revoked: true, state: TaskState.REVOKED, scheduleDeleted };
}

/**
 * Revoke a whole workflow by its root id: the root gets a revocation item (every member
 * carries it, so members not sent yet — later chain steps, chord bodies — are skipped too),
 * and every recorded member not yet finished is revoked as {@link revoke} does.
 *
 * @example
 * ```ts
 * await revokeWorkflow(handle.rootId, { client });
 * ```
 */
export async function revokeWorkflow(rootId: string, options: RevokeOptions = {}): Promise<RevokeResult[]> {
  const client = options.client ?? getDefaultClient();
  await listRevoked(client, rootId);
  const ids = new Set<string>([rootId, ...(await workflowMemberIds(client, rootId))]);
  return Promise.all([...ids].map((id) => revoke(id, { ...options, client })));
}

/**
 * Write an id's revocation item (`_revoked#<id>`), then raise the revocation horizon to now, so
 * workers read the ids of every message minted before it. The item holds longer than SQS keeps
 * any message, then DynamoDB's TTL deletes it. Idempotent; when it throws, revoke again.
 */
async function listRevoked(client: CeleriacClient, id: string): Promise<void> {
  const at = client.now();
  const until = at + Defaults.REVOCATION_HOLD_MS;
  await client.dynamodb.send(
    new PutItemCommand({
      TableName: client.config.table,
      Item: {
        id: { S: revocationKey(id) },
        until: { N: String(until) },
        [ResultsSchema.ttlAttribute]: { N: String(Math.ceil(until / 1000)) },
      },
    }),
  );
  await raiseRevocationHorizon(client.dynamodb, client.config.table, at, until);
}
