import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * The results-table item listing revoked task and workflow-root ids: attribute `revoked` is a
 * map from id to the epoch ms until which the revocation holds. Revoking writes the task's own
 * REVOKED state (authoritative: no later write replaces it) and adds the id here, so workers
 * can skip it without reading every task's item before running it.
 */
export const REVOCATIONS_ITEM_ID = '_meta#revocations';

/**
 * A worker's cached view of the revocation list: at most one consistent GetItem per
 * `refreshMs` per worker instance, instead of one read per task. A revocation takes effect
 * for tasks picked up after the next refresh (≤ `refreshMs`).
 *
 * @example
 * ```ts
 * const revocations = new RevocationCache(dynamodb, table, 1_000);
 * if ((await revocations.current()).has(envelope.id)) skip();
 * ```
 */
export class RevocationCache {
  #ids: ReadonlySet<string> = new Set();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<ReadonlySet<string>> | undefined;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The revoked ids, refreshed when older than `refreshMs`. Throws when the store is unreachable. */
  current(): Promise<ReadonlySet<string>> {
    if (this.now() - this.#fetchedAt < this.refreshMs) return Promise.resolve(this.#ids);
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<ReadonlySet<string>> {
    const out = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { id: { S: REVOCATIONS_ITEM_ID } },
        ConsistentRead: true,
        ProjectionExpression: 'revoked',
      }),
    );
    const now = this.now();
    const revoked = (out.Item ? unmarshall(out.Item).revoked : undefined) as
      | Record<string, number>
      | undefined;
    this.#ids = new Set(Object.entries(revoked ?? {}).flatMap(([id, until]) => (until > now ? [id] : [])));
    this.#fetchedAt = now;
    return this.#ids;
  }
}
