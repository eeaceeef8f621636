import {
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CeleriacClient } from '../client.js';
import { Defaults } from '../constants.js';
import type { Json } from '../json.js';
import { batchGetByIds } from '../results/batch-get.js';
import { ResultsSchema } from '../results/schema.js';
import { withThrottleRetry } from '../results/throttle.js';
import {
  chordKey,
  counterKey,
  counterShardOf,
  counterShards,
  MAX_COUNTER_SHARDS,
  memberKey,
  shardQuota,
} from './chord-keys.js';
import type { ChordRef } from './wire.js';

export { chordKey } from './chord-keys.js';

/** The outcome of {@link recordMember}. */
export type JoinOutcome =
  | { readonly fire: true; readonly results: Json[] }
  | { readonly fire: false; readonly reason: 'waiting' | 'fired' | 'failed' | 'sending' };

/** A chord's join, as read back. */
export interface ChordState {
  readonly id: string;
  readonly size: number;
  /** Members whose result is recorded (each counted once, whatever the deliveries). */
  readonly count: number;
  readonly firedBy?: string;
  /** When the firing member's invocation ends (epoch ms): past it, an unsent body was lost. */
  readonly fireDeadline?: number;
  /** The body was sent (set after its send). */
  readonly sent?: boolean;
  readonly failed?: {
    readonly member: string;
    readonly task: string;
    readonly type: string;
    readonly message: string;
  };
}

const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException ||
  (err instanceof Error && err.name === 'ConditionalCheckFailedException');

const setSize = (value: unknown): number => (value instanceof Set ? value.size : 0);

const expiry = (now: number) => Math.ceil((now + Defaults.RESULT_TTL_MS) / 1000);

/** What every write of a chord's counter or chord item sets: size, workflow root, kind, expiry (once). */
const STAMP = '#size = :size, #root = :root, #kind = :kind, #exp = if_not_exists(#exp, :exp)';
const STAMP_NAMES = {
  '#size': 'size',
  '#root': 'rootId',
  '#kind': 'kind',
  '#exp': ResultsSchema.ttlAttribute,
} as const;
const stampValues = (size: number, rootId: string, kind: string, now: number) => ({
  ':size': size,
  ':root': rootId,
  ':kind': kind,
  ':exp': expiry(now),
});

/** The attributes of a firing claim. */
const FIRING_NAMES = {
  '#fired': 'fired',
  '#firedAt': 'firedAt',
  '#by': 'firedBy',
  '#deadline': 'fireDeadline',
} as const;

/** One `UpdateItem` of the results table item `key`. */
type Update = Omit<UpdateItemCommandInput, 'TableName' | 'Key'>;
const update = (client: CeleriacClient, key: string, input: Update) =>
  client.dynamodb.send(
    new UpdateItemCommand({ TableName: client.config.table, Key: { id: { S: key } }, ...input }),
  );

/**
 * Record that member `ref.index` of a chord succeeded: put the member's result item (only if
 * absent), then `ADD` the member's index to its counter shard's number set, which holds it once
 * however often it is delivered (a crash between the two writes is repaired by the redelivery).
 * The member that completes its shard reads the chord item and every counter shard in one
 * BatchGetItem; when every member is counted, the firing is claimed with a conditional write (`attribute_not_exists(fired) AND attribute_not_exists(failed)`):
 * exactly one caller gets `fire: true`, with the results gathered (BatchGetItem, 100 per request)
 * in member order.
 *
 * @example
 * ```ts
 * const out = await recordMember(client, env.chord, env.id, result, env.root, token);
 * if (out.fire) await sendBody(out.results);
 * ```
 */
export async function recordMember(
  client: CeleriacClient,
  ref: ChordRef,
  memberId: string,
  result: Json,
  rootId: string,
  fireToken: string,
  /** When the calling invocation ends (epoch ms). @default 15 minutes from now (Lambda's longest) */
  deadline: number = client.now() + 900_000,
): Promise<JoinOutcome> {
  const { table } = client.config;
  const now = client.now();
  const shard = counterShardOf(ref.index, ref.size);
  // 1. The member's result, once: a duplicate delivery (or a re-run) keeps the first result.
  try {
    await withThrottleRetry(() =>
      client.dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: marshall({
            id: memberKey(ref.id, ref.index),
            kind: 'chordMember',
            member: memberId,
            result: JSON.stringify(result),
            [ResultsSchema.ttlAttribute]: expiry(now),
          }),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': 'id' },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
  // 2. Count it: ADD its index to its shard's number set (idempotent: a set holds it once).
  const counted = await withThrottleRetry(() =>
    update(client, counterKey(ref.id, shard), {
      UpdateExpression: `ADD #m :m SET ${STAMP}`,
      ExpressionAttributeNames: { '#m': 'members', ...STAMP_NAMES },
      ExpressionAttributeValues: marshall({
        ':m': new Set([ref.index]),
        ...stampValues(ref.size, rootId, 'chordCounter', now),
      }),
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const inShard = setSize(unmarshall(counted.Attributes ?? {}).members);
  // 3. Only a member that completes its shard reads the other shards (strongly consistent: of two
  // shards completing at once, at least one sees the other complete).
  if (inShard < shardQuota(shard, ref.size)) return { fire: false, reason: 'waiting' };
  const state = await readJoin(client, ref.id, ref.size);
  const step = joinStep(state, memberId, now);
  // The member that fired, delivered again after its first invocation ended without marking the
  // body sent: the body was lost between the firing claim and its send. Send it again (its ids
  // are fixed in the chord).
  if (step === 'refire') return { fire: true, results: await gatherResults(client, ref.id, ref.size) };
  if (step !== 'claim') return { fire: false, reason: step };
  try {
    await withThrottleRetry(() =>
      update(client, chordKey(ref.id), {
        UpdateExpression: `SET #fired = :token, #firedAt = :now, #by = :member, #deadline = :deadline, ${STAMP}`,
        ConditionExpression: 'attribute_not_exists(#fired) AND attribute_not_exists(#failed)',
        ExpressionAttributeNames: { ...FIRING_NAMES, '#failed': 'failed', ...STAMP_NAMES },
        ExpressionAttributeValues: marshall({
          ':token': fireToken,
          ':now': now,
          ':member': memberId,
          ':deadline': deadline,
          ...stampValues(ref.size, rootId, 'chord', now),
        }),
      }),
    );
  } catch (err) {
    if (isConditionFailure(err)) return { fire: false, reason: 'fired' };
    throw err;
  }
  return { fire: true, results: await gatherResults(client, ref.id, ref.size) };
}

/**
 * What a member does once its shard is complete, from the join as read: nothing when the chord
 * failed or another member fired it; `claim` the firing when every member is counted. When this
 * very member fired it and the body is not marked sent: `sending` while the invocation that
 * claimed it may still be sending (a concurrent duplicate delivery: come back later), `refire`
 * once that invocation has ended (the body was lost between the claim and its send). Pure.
 *
 * @example
 * ```ts
 * joinStep({ id: 'c', size: 2, count: 2 }, 'm-2', Date.now()); // 'claim'
 * ```
 */
export function joinStep(
  state: ChordState,
  memberId: string,
  now: number,
): 'failed' | 'fired' | 'waiting' | 'claim' | 'sending' | 'refire' {
  if (state.failed) return 'failed';
  if (state.firedBy) {
    if (state.firedBy !== memberId || state.sent) return 'fired';
    return now > (state.fireDeadline ?? 0) ? 'refire' : 'sending';
  }
  return state.count < state.size ? 'waiting' : 'claim';
}

/**
 * Every member's result, in member order, read with BatchGetItem (100 keys per request).
 *
 * @throws Error when a counted member's item is missing (it expired: the chord outlived its TTL).
 */
async function gatherResults(client: CeleriacClient, chordId: string, size: number): Promise<Json[]> {
  const keys = Array.from({ length: size }, (_, i) => memberKey(chordId, i));
  const items = await batchGetByIds(client.dynamodb, client.config.table, keys);
  return keys.map((key) => {
    const item = items.get(key);
    if (!item) throw new Error(`chord ${chordId}: member result ${key} is missing (expired?)`);
    return JSON.parse(String(item.result)) as Json;
  });
}

/** The chord item and its counter shards, in one BatchGetItem. */
async function readJoin(
  client: CeleriacClient,
  chordId: string,
  size: number | undefined,
): Promise<ChordState> {
  const shards = size === undefined ? MAX_COUNTER_SHARDS : counterShards(size);
  const keys = [chordKey(chordId), ...Array.from({ length: shards }, (_, k) => counterKey(chordId, k))];
  const items = await batchGetByIds(client.dynamodb, client.config.table, keys);
  const main = items.get(chordKey(chordId));
  let count = 0;
  let known = size;
  for (let k = 0; k < shards; k++) {
    const item = items.get(counterKey(chordId, k));
    if (!item) continue;
    count += setSize(item.members);
    known ??= Number(item.size);
  }
  known ??= main?.size !== undefined ? Number(main.size) : 0;
  return {
    id: chordId,
    size: known,
    count,
    ...(typeof main?.firedBy === 'string' ? { firedBy: main.firedBy } : {}),
    ...(typeof main?.fireDeadline === 'number' ? { fireDeadline: main.fireDeadline } : {}),
    ...(main?.sent === true ? { sent: true } : {}),
    ...(main?.failed ? { failed: main.failed as NonNullable<ChordState['failed']> } : {}),
  };
}

/**
 * Mark a chord's body sent, after its send: a later delivery of the member that fired it then
 * knows there is nothing to re-send.
 *
 * @example
 * ```ts
 * await markBodySent(client, chordId);
 * ```
 */
export async function markBodySent(client: CeleriacClient, chordId: string): Promise<void> {
  await withThrottleRetry(() =>
    update(client, chordKey(chordId), {
      UpdateExpression: 'SET #sent = :true',
      ExpressionAttributeNames: { '#sent': 'sent' },
      ExpressionAttributeValues: { ':true': { BOOL: true } },
    }),
  );
}

/**
 * Undo a firing claim whose body could not be sent, so a redelivery of the member can fire it.
 * Only the claim holder's token is removed.
 */
export async function releaseFiring(
  client: CeleriacClient,
  chordId: string,
  fireToken: string,
): Promise<void> {
  try {
    await update(client, chordKey(chordId), {
      UpdateExpression: 'REMOVE #fired, #firedAt, #by, #deadline',
      ConditionExpression: '#fired = :token',
      ExpressionAttributeNames: FIRING_NAMES,
      ExpressionAttributeValues: marshall({ ':token': fireToken }),
    });
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

/**
 * Fail a chord once: `SET failed = {member, why}` if it has neither failed nor fired. Returns
 * true for the one caller that failed it (it then marks the body FAILURE and runs link-errors).
 *
 * @example
 * ```ts
 * if (await failChord(client, ref.id, { member: env.id, task: env.task, type, message }, env.root)) { … }
 * ```
 */
export async function failChord(
  client: CeleriacClient,
  chordId: string,
  failure: NonNullable<ChordState['failed']>,
  rootId: string,
  size: number,
): Promise<boolean> {
  const now = client.now();
  try {
    await withThrottleRetry(() =>
      update(client, chordKey(chordId), {
        UpdateExpression: `SET #failed = :f, #failedAt = :now, ${STAMP}`,
        ConditionExpression: 'attribute_not_exists(#failed) AND attribute_not_exists(#fired)',
        ExpressionAttributeNames: {
          '#failed': 'failed',
          '#failedAt': 'failedAt',
          '#fired': 'fired',
          ...STAMP_NAMES,
        },
        ExpressionAttributeValues: marshall({
          ':f': { ...failure, message: failure.message.slice(0, 1_000) },
          ':now': now,
          ...stampValues(size, rootId, 'chord', now),
        }),
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * Read a chord's join (strongly consistent): its size, members counted, and whether it fired or
 * failed; `undefined` when nothing of it is stored.
 *
 * @example
 * ```ts
 * const state = await readChord(client, chordId);
 * state?.count; // members recorded so far
 * ```
 */
export async function readChord(client: CeleriacClient, chordId: string): Promise<ChordState | undefined> {
  const state = await readJoin(client, chordId, undefined);
  if (state.count === 0 && !state.firedBy && !state.failed && state.size === 0) return undefined;
  return state;
}
