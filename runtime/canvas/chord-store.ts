import {
  ConditionalCheckFailedException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
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
} from './chord-keys.js';
import type { ChordRef } from './wire.js';

export { chordKey } from './chord-keys.js';

/** The outcome of {@link recordMember}. */
export type JoinOutcome =
  | { readonly fire: true; readonly results: Json[] }
  | { readonly fire: false; readonly reason: 'waiting' | 'fired' | 'failed' };

/** A chord's join, as read back. */
export interface ChordState {
  readonly id: string;
  readonly size: number;
  /** Members whose result is recorded (each counted once, whatever the deliveries). */
  readonly count: number;
  readonly firedBy?: string;
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

/** The member's item already existed: this delivery is a duplicate, already counted. */
const isDuplicateMember = (err: unknown) =>
  err instanceof Error &&
  err.name === 'TransactionCanceledException' &&
  (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.[0]?.Code ===
    'ConditionalCheckFailed';

/** Concurrent transactions on one counter shard: retried like a throttle. */
const isConflict = (err: unknown) =>
  err instanceof Error &&
  (err.name === 'TransactionConflictException' ||
    (err.name === 'TransactionCanceledException' &&
      ((err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some(
        (r) => r.Code === 'TransactionConflict',
      )));

const expiry = (now: number) => Math.ceil((now + Defaults.RESULT_TTL_MS) / 1000);

/**
 * Record that member `ref.index` of a chord succeeded. One transaction puts the member's result
 * item (only if absent) and adds 1 to the member's counter shard: a duplicate delivery finds the
 * item there, the transaction is cancelled, and nothing is counted twice. Then the chord item and
 * its counter shards are read in one BatchGetItem; when every member is counted, the firing is
 * claimed with a conditional write (`attribute_not_exists(fired) AND attribute_not_exists(failed)`):
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
): Promise<JoinOutcome> {
  const { table } = client.config;
  const now = client.now();
  const shard = counterShardOf(ref.index, ref.size);
  const count = () =>
    client.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
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
            },
          },
          {
            Update: {
              TableName: table,
              Key: { id: { S: counterKey(ref.id, shard) } },
              UpdateExpression:
                'ADD #n :one SET #size = :size, #root = :root, #kind = :kind, #exp = if_not_exists(#exp, :exp)',
              ExpressionAttributeNames: {
                '#n': 'count',
                '#size': 'size',
                '#root': 'rootId',
                '#kind': 'kind',
                '#exp': ResultsSchema.ttlAttribute,
              },
              ExpressionAttributeValues: marshall({
                ':one': 1,
                ':size': ref.size,
                ':root': rootId,
                ':kind': 'chordCounter',
                ':exp': expiry(now),
              }),
            },
          },
        ],
      }),
    );
  try {
    await withThrottleRetry(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await count();
        } catch (err) {
          if (!isConflict(err) || attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(500, 5 * 2 ** attempt)));
        }
      }
    });
  } catch (err) {
    if (!isDuplicateMember(err)) throw err;
  }
  const state = await readJoin(client, ref.id, ref.size);
  if (state.failed) return { fire: false, reason: 'failed' };
  if (state.firedBy) return { fire: false, reason: 'fired' };
  if (state.count < ref.size) return { fire: false, reason: 'waiting' };
  try {
    await withThrottleRetry(() =>
      client.dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { S: chordKey(ref.id) } },
          UpdateExpression:
            'SET #fired = :token, #firedAt = :now, #by = :member, #size = :size, #root = :root, #kind = :kind, #exp = if_not_exists(#exp, :exp)',
          ConditionExpression: 'attribute_not_exists(#fired) AND attribute_not_exists(#failed)',
          ExpressionAttributeNames: {
            '#fired': 'fired',
            '#firedAt': 'firedAt',
            '#by': 'firedBy',
            '#failed': 'failed',
            '#size': 'size',
            '#root': 'rootId',
            '#kind': 'kind',
            '#exp': ResultsSchema.ttlAttribute,
          },
          ExpressionAttributeValues: marshall({
            ':token': fireToken,
            ':now': now,
            ':member': memberId,
            ':size': ref.size,
            ':root': rootId,
            ':kind': 'chord',
            ':exp': expiry(now),
          }),
        }),
      ),
    );
  } catch (err) {
    if (isConditionFailure(err)) return { fire: false, reason: 'fired' };
    throw err;
  }
  return { fire: true, results: await gatherResults(client, ref.id, ref.size) };
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
    count += Number(item.count ?? 0);
    known ??= Number(item.size);
  }
  known ??= main?.size !== undefined ? Number(main.size) : 0;
  return {
    id: chordId,
    size: known,
    count,
    ...(typeof main?.firedBy === 'string' ? { firedBy: main.firedBy } : {}),
    ...(main?.failed ? { failed: main.failed as NonNullable<ChordState['failed']> } : {}),
  };
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
    await client.dynamodb.send(
      new UpdateItemCommand({
        TableName: client.config.table,
        Key: { id: { S: chordKey(chordId) } },
        UpdateExpression: 'REMOVE #fired, #firedAt, #by',
        ConditionExpression: '#fired = :token',
        ExpressionAttributeNames: { '#fired': 'fired', '#firedAt': 'firedAt', '#by': 'firedBy' },
        ExpressionAttributeValues: marshall({ ':token': fireToken }),
      }),
    );
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
      client.dynamodb.send(
        new UpdateItemCommand({
          TableName: client.config.table,
          Key: { id: { S: chordKey(chordId) } },
          UpdateExpression:
            'SET #failed = :f, #failedAt = :now, #size = :size, #root = :root, #kind = :kind, #exp = if_not_exists(#exp, :exp)',
          ConditionExpression: 'attribute_not_exists(#failed) AND attribute_not_exists(#fired)',
          ExpressionAttributeNames: {
            '#failed': 'failed',
            '#failedAt': 'failedAt',
            '#fired': 'fired',
            '#size': 'size',
            '#root': 'rootId',
            '#kind': 'kind',
            '#exp': ResultsSchema.ttlAttribute,
          },
          ExpressionAttributeValues: marshall({
            ':f': { ...failure, message: failure.message.slice(0, 1_000) },
            ':now': now,
            ':size': size,
            ':root': rootId,
            ':kind': 'chord',
            ':exp': expiry(now),
          }),
        }),
      ),
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
