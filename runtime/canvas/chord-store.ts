import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CeleriacClient } from '../client.js';
import { Defaults } from '../constants.js';
import type { Json } from '../json.js';
import { ResultsSchema } from '../results/schema.js';
import type { ChordRef } from './wire.js';

/** Key of a chord's join item in the results table. */
export const chordKey = (chordId: string): string => `chord#${chordId}`;

/** The outcome of {@link recordMember}. */
export type JoinOutcome =
  | { readonly fire: true; readonly results: Json[] }
  | { readonly fire: false; readonly reason: 'waiting' | 'fired' | 'failed' };

/** A chord's join item, as read back. */
export interface ChordState {
  readonly id: string;
  readonly size: number;
  readonly done: readonly string[];
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

/**
 * Record that member `index` of a chord succeeded, in one `UpdateItem` on the chord's item:
 * `ADD done :member` (a string set: a duplicate delivery adds nothing) and `SET r<index> = result`.
 * When the returned item shows every member done, claim the firing with a conditional write
 * (`attribute_not_exists(fired) AND attribute_not_exists(failed)`): exactly one member gets
 * `fire: true`, with the results in member order — and gets it again when its message is
 * delivered again, so a body lost between the claim and its send is sent (same ids) then.
 *
 * @example
 * ```ts
 * const out = await recordMember(client, env.chord, env.id, result, env.root);
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
  const out = await client.dynamodb.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { id: { S: chordKey(ref.id) } },
      UpdateExpression:
        'ADD #done :m SET #r = :r, #size = :size, #root = :root, #kind = :kind, #exp = if_not_exists(#exp, :exp)',
      ExpressionAttributeNames: {
        '#done': 'done',
        '#r': `r${ref.index}`,
        '#size': 'size',
        '#root': 'rootId',
        '#kind': 'kind',
        '#exp': ResultsSchema.ttlAttribute,
      },
      ExpressionAttributeValues: marshall({
        ':m': new Set([String(ref.index)]),
        ':r': JSON.stringify(result),
        ':size': ref.size,
        ':root': rootId,
        ':kind': 'chord',
        ':exp': Math.ceil((now + Defaults.RESULT_TTL_MS) / 1000),
      }),
      ReturnValues: 'ALL_NEW',
    }),
  );
  const item = unmarshall(out.Attributes ?? {});
  const step = joinStep(item, memberId, ref.size);
  if (step === 'refire') return { fire: true, results: memberResults(item, ref.size) };
  if (step !== 'claim') return { fire: false, reason: step };
  try {
    await client.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: { S: chordKey(ref.id) } },
        UpdateExpression: 'SET #fired = :token, #firedAt = :now, #by = :member',
        ConditionExpression: 'attribute_not_exists(#fired) AND attribute_not_exists(#failed)',
        ExpressionAttributeNames: {
          '#fired': 'fired',
          '#firedAt': 'firedAt',
          '#by': 'firedBy',
          '#failed': 'failed',
        },
        ExpressionAttributeValues: marshall({ ':token': fireToken, ':now': now, ':member': memberId }),
      }),
    );
  } catch (err) {
    if (isConditionFailure(err)) return { fire: false, reason: 'fired' };
    throw err;
  }
  return { fire: true, results: memberResults(item, ref.size) };
}

/**
 * What a member does after recording itself in the chord item (as returned): nothing when the
 * chord failed, already fired or still waits for members; `claim` the firing when every member
 * is done; `refire` when it is the member that fired, delivered again — the body may have been
 * lost between the firing claim and its send, and its ids are fixed, so sending it again cannot
 * make a second body. Pure.
 *
 * @example
 * ```ts
 * joinStep({ done: new Set(['0', '1']) }, 'm-2', 2); // 'claim'
 * ```
 */
export function joinStep(
  item: Record<string, unknown>,
  memberId: string,
  size: number,
): 'failed' | 'fired' | 'waiting' | 'claim' | 'refire' {
  if (item.failed) return 'failed';
  if (item.fired) return item.firedBy === memberId ? 'refire' : 'fired';
  const done = item.done instanceof Set ? item.done.size : 0;
  return done < size ? 'waiting' : 'claim';
}

/** The members' results in member order, from the chord item. */
function memberResults(item: Record<string, unknown>, size: number): Json[] {
  const results: Json[] = [];
  for (let i = 0; i < size; i++) results.push(JSON.parse(String(item[`r${i}`] ?? 'null')) as Json);
  return results;
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
    await client.dynamodb.send(
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
          ':exp': Math.ceil((now + Defaults.RESULT_TTL_MS) / 1000),
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
 * Read a chord's join item (strongly consistent), or `undefined`.
 *
 * @example
 * ```ts
 * const state = await readChord(client, chordId);
 * ```
 */
export async function readChord(client: CeleriacClient, chordId: string): Promise<ChordState | undefined> {
  const out = await client.dynamodb.send(
    new GetItemCommand({
      TableName: client.config.table,
      Key: { id: { S: chordKey(chordId) } },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  const item = unmarshall(out.Item);
  return {
    id: chordId,
    size: Number(item.size ?? 0),
    done:
      item.done instanceof Set ? [...(item.done as Set<string>)].sort((a, b) => Number(a) - Number(b)) : [],
    ...(typeof item.firedBy === 'string' ? { firedBy: item.firedBy } : {}),
    ...(item.failed ? { failed: item.failed as NonNullable<ChordState['failed']> } : {}),
  };
}
