import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type CeleriacClient, getDefaultClient } from '../client.js';
import { Defaults, FINAL_STATES, TaskState } from '../constants.js';
import { workflowMemberIds } from '../results/workflow-members.js';
import { deleteTaskSchedule } from '../schedules/one-time.js';
import { REVOCATIONS_ITEM_ID } from '../worker/revocations.js';

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
 * - its record becomes REVOKED (a conditional write that never replaces SUCCESS or FAILURE);
 * - its id joins the revocation list that every worker caches (refreshed each second), so a
 *   queued or delayed message is skipped when it arrives, and a running task gets its
 *   AbortSignal at the next check (every 2 s by default);
 * - a long-delayed task's one-time Scheduler schedule is deleted, so it never fires.
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
  const scheduleDeleted = await deleteTaskSchedule(client, id);
  await listRevoked(client, id);
  const out = await client.results.write({
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
  if (out.written) return { id, revoked: true, state: TaskState.REVOKED, scheduleDeleted };
  return { id, revoked: false, state: out.current ?? TaskState.PENDING, scheduleDeleted };
}

/**
 * Revoke a whole workflow by its root id: the root joins the revocation list (every member
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

/** Add an id to the revocation list item (`revoked.<id> = until`). */
async function listRevoked(client: CeleriacClient, id: string): Promise<void> {
  const until = client.now() + Defaults.REVOCATION_HOLD_MS;
  const key = { id: { S: REVOCATIONS_ITEM_ID } };
  for (let round = 0; round < 3; round++) {
    try {
      await client.dynamodb
        .send(
          new UpdateItemCommand({
            TableName: client.config.table,
            Key: key,
            UpdateExpression: 'SET #r.#id = :until',
            ConditionExpression: 'attribute_exists(#r)',
            ExpressionAttributeNames: { '#r': 'revoked', '#id': id },
            ExpressionAttributeValues: { ':until': { N: String(until) } },
            ReturnValues: 'ALL_NEW',
          }),
        )
        .then((out) => pruneRevoked(client, out.Attributes?.revoked?.M ?? {}));
      return;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    try {
      await client.dynamodb.send(
        new UpdateItemCommand({
          TableName: client.config.table,
          Key: key,
          UpdateExpression: 'SET #r = :map',
          ConditionExpression: 'attribute_not_exists(#r)',
          ExpressionAttributeNames: { '#r': 'revoked' },
          ExpressionAttributeValues: { ':map': { M: { [id]: { N: String(until) } } } },
        }),
      );
      return;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}

/** Entries removed per pruning request (an UpdateItem's expression stays small). */
const PRUNE_BATCH = 50;

/**
 * Drop revocations whose hold has passed (older than any message SQS still keeps), so the list
 * stays far below DynamoDB's 400 KB item limit however many tasks are revoked over time.
 */
async function pruneRevoked(client: CeleriacClient, entries: Record<string, { N?: string }>): Promise<void> {
  const now = client.now();
  const expired = Object.entries(entries)
    .filter(([, until]) => Number(until.N ?? 0) <= now)
    .map(([key]) => key)
    .slice(0, PRUNE_BATCH);
  if (expired.length === 0) return;
  const names: Record<string, string> = { '#r': 'revoked' };
  expired.forEach((key, i) => {
    names[`#k${i}`] = key;
  });
  await client.dynamodb.send(
    new UpdateItemCommand({
      TableName: client.config.table,
      Key: { id: { S: REVOCATIONS_ITEM_ID } },
      UpdateExpression: `REMOVE ${expired.map((_, i) => `#r.#k${i}`).join(', ')}`,
      ExpressionAttributeNames: names,
    }),
  );
}
