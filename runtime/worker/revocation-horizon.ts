import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ResultsSchema } from '../results/schema.js';
import { boundedRead } from './bounded-read.js';

/**
 * The results-table key of the revocation horizon (`*` is no valid task id): one item whose
 * `latest` is the time (epoch ms, the revoker's clock) of the newest revocation. No index key,
 * so it is never listed.
 */
export const REVOCATION_HORIZON_KEY = '_revoked#*';

/**
 * How far apart the clocks of a host that enqueues and a host that revokes may be. A message
 * minted less than this after the newest revocation has its ids read, as if the horizon were
 * unknown. Five minutes is also how far SigV4 lets a request's clock drift from AWS's.
 */
export const REVOCATION_CLOCK_MARGIN_MS = 5 * 60_000;

/**
 * True when no revocation can concern a message: its ids were minted by the runtime at `born`
 * (see `Envelope.born`), more than the clock margin after the newest revocation (`latest`).
 * Nobody can revoke an id before it exists, so its revocation item cannot exist either.
 *
 * @example
 * ```ts
 * mintedAfter(env.born, await horizon.latest()); // true: skip the per-id read
 * ```
 */
export function mintedAfter(born: number | undefined, latest: number): boolean {
  return born !== undefined && born > latest + REVOCATION_CLOCK_MARGIN_MS;
}

/** Options of {@link RevocationHorizon}. */
export interface RevocationHorizonOptions {
  /** How long a read of the horizon is trusted before it is read again. */
  readonly refreshMs: number;
  /** Longest one read may wait for DynamoDB. @default 2000 ms */
  readonly timeoutMs?: number;
  /** Clock in epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Told when the horizon could not be read (every id is then read, as before the horizon). */
  readonly onFallback?: (error: unknown) => void;
}

/**
 * A worker's cached view of the revocation horizon: at most one eventually consistent GetItem per
 * `refreshMs` per worker instance, whatever the traffic. While no revocation is newer than the
 * messages of a batch, the batch needs no revocation read at all. Never rejects: when the read
 * fails (or takes longer than `timeoutMs`), the horizon is unknown (`Infinity`, so every id is
 * read) until the next refresh.
 *
 * @example
 * ```ts
 * const horizon = new RevocationHorizon(dynamodb, table, { refreshMs: 1_000 });
 * const latest = await horizon.latest(); // -Infinity when nothing was ever revoked
 * ```
 */
export class RevocationHorizon {
  #latest = Number.POSITIVE_INFINITY;
  #readAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<number> | undefined;
  readonly #now: () => number;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly options: RevocationHorizonOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** The last read of the horizon while it is younger than `refreshMs`, else `undefined`. */
  fresh(): number | undefined {
    return this.#now() - this.#readAt < this.options.refreshMs ? this.#latest : undefined;
  }

  /** Epoch ms of the newest revocation; `-Infinity` when none is held, `Infinity` when unknown. */
  latest(): Promise<number> {
    const fresh = this.fresh();
    if (fresh !== undefined) return Promise.resolve(fresh);
    this.#pending ??= this.#read().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #read(): Promise<number> {
    try {
      const out = await boundedRead(this.options.timeoutMs ?? 2_000, 'revocation horizon read', (signal) =>
        this.dynamodb.send(
          new GetItemCommand({
            TableName: this.table,
            Key: { id: { S: REVOCATION_HORIZON_KEY } },
            // Eventually consistent: as stale as the per-id reads were allowed to be.
            ConsistentRead: false,
            ProjectionExpression: '#l',
            ExpressionAttributeNames: { '#l': 'latest' },
          }),
          { abortSignal: signal },
        ),
      );
      const raw = out.Item?.latest?.N;
      this.#latest = raw === undefined ? Number.NEGATIVE_INFINITY : Number(raw);
    } catch (err) {
      this.#latest = Number.POSITIVE_INFINITY;
      this.options.onFallback?.(err);
    }
    this.#readAt = this.#now();
    return this.#latest;
  }
}

/**
 * Raise the horizon to `at` (never lower it), after a revocation item was written. Kept until
 * `until` like the revocation itself, then deleted by TTL. Idempotent.
 *
 * @example
 * ```ts
 * await raiseRevocationHorizon(client.dynamodb, client.config.table, Date.now(), until);
 * ```
 */
export async function raiseRevocationHorizon(
  dynamodb: DynamoDBClient,
  table: string,
  at: number,
  until: number,
): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: { S: REVOCATION_HORIZON_KEY } },
        UpdateExpression: 'SET #l = :at, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#l) OR #l < :at',
        ExpressionAttributeNames: { '#l': 'latest', '#ttl': ResultsSchema.ttlAttribute },
        ExpressionAttributeValues: {
          ':at': { N: String(at) },
          ':ttl': { N: String(Math.ceil(until / 1000)) },
        },
      }),
    );
  } catch (err) {
    // A newer revocation already holds the horizon.
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
}
