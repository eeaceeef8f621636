import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { boundedRead } from './bounded-read.js';

/**
 * Revocations live one item per revoked id in the results table, keyed `_revoked#<id>`, with
 * `until` (epoch ms the revocation holds) and the table's TTL attribute so DynamoDB deletes it
 * afterwards. No index key is set, so they never appear in task lists. Thousands of
 * revocations cost nothing to workers: a worker reads only the ids (and workflow roots) of the
 * batch it is about to run, with one BatchGetItem.
 */
export const REVOCATION_KEY_PREFIX = '_revoked#';

/** The results-table key of an id's revocation item. */
export function revocationKey(id: string): string {
  return `${REVOCATION_KEY_PREFIX}${id}`;
}

/** Keys of one BatchGetItem request (DynamoDB's limit). */
const BATCH_GET_MAX = 100;
/** Rounds of retrying unprocessed keys inside one lookup. */
const UNPROCESSED_ROUNDS = 3;
/** Ids remembered per worker instance (oldest forgotten first). */
const CACHE_MAX = 20_000;

interface Known {
  /** Epoch ms until which the id is revoked; 0 when it was read as not revoked. */
  readonly until: number;
  /** When it was read. */
  readonly at: number;
}

/** Options of {@link RevocationCache}. */
export interface RevocationCacheOptions {
  /** How long an id read as not revoked is trusted before it is read again. */
  readonly refreshMs: number;
  /** Longest one lookup may wait for DynamoDB before falling back to what is known. @default 2000 ms */
  readonly timeoutMs?: number;
  /** Clock in epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Told when a read failed and the last known state was used instead. */
  readonly onFallback?: (error: unknown, ids: readonly string[]) => void;
}

/**
 * A worker's cached view of revocations, per id. `lookup(ids)` answers which of the given ids
 * are revoked: ids read within `refreshMs` (or known revoked) come from memory, the rest from
 * one eventually consistent BatchGetItem. A lookup never throws and never hangs: when DynamoDB fails or
 * does not answer within `timeoutMs`, it answers from the last known state of each id (a
 * revocation seen once stays known) instead of failing the batch.
 *
 * @example
 * ```ts
 * const revocations = new RevocationCache(dynamodb, table, { refreshMs: 1_000 });
 * const revoked = await revocations.lookup([envelope.id, envelope.root]);
 * if (revoked.has(envelope.id) || revoked.has(envelope.root)) skip();
 * ```
 */
export class RevocationCache {
  readonly #known = new Map<string, Known>();
  readonly #pending = new Map<string, Promise<void>>();
  readonly #now: () => number;
  readonly #timeoutMs: number;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly options: RevocationCacheOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** Which of `ids` are revoked now. Never rejects; see the class notes. */
  async lookup(ids: Iterable<string>): Promise<ReadonlySet<string>> {
    const wanted = [...new Set(ids)].filter((id) => id !== '');
    const now = this.#now();
    const stale = wanted.filter((id) => !this.#fresh(id, now) && !this.#pending.has(id));
    if (stale.length) {
      const fetch = this.#fetch(stale).finally(() => {
        for (const id of stale) this.#pending.delete(id);
      });
      for (const id of stale) this.#pending.set(id, fetch);
    }
    await Promise.all(wanted.flatMap((id) => this.#pending.get(id) ?? []));
    const at = this.#now();
    return new Set(wanted.filter((id) => (this.#known.get(id)?.until ?? 0) > at));
  }

  #fresh(id: string, now: number): boolean {
    const known = this.#known.get(id);
    if (!known) return false;
    return known.until > now || now - known.at < this.options.refreshMs;
  }

  /** Read `ids`; on failure keep what is known and report it. Resolves, never rejects. */
  async #fetch(ids: readonly string[]): Promise<void> {
    const missing = new Set(ids);
    try {
      await boundedRead(this.#timeoutMs, 'revocation read', async (signal) => {
        for (let i = 0; i < ids.length; i += BATCH_GET_MAX) {
          await this.#read(ids.slice(i, i + BATCH_GET_MAX), signal, missing);
        }
      });
    } catch (err) {
      this.options.onFallback?.(err, [...missing]);
    }
  }

  async #read(ids: readonly string[], signal: AbortSignal, missing: Set<string>): Promise<void> {
    let request: KeysAndAttributes | undefined = {
      Keys: ids.map((id) => ({ id: { S: revocationKey(id) } })),
      // Eventually consistent (half the price): a revocation is seen within about a second,
      // the same staleness the per-worker cache allows anyway.
      ConsistentRead: false,
      ProjectionExpression: 'id, #u',
      ExpressionAttributeNames: { '#u': 'until' },
    };
    const revoked = new Map<string, number>();
    for (let round = 0; request?.Keys?.length; round++) {
      if (round > UNPROCESSED_ROUNDS)
        throw new Error(`${request.Keys.length} revocation keys left unprocessed`);
      const out: BatchGetItemCommandOutput = await this.dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [this.table]: request } }),
        { abortSignal: signal },
      );
      for (const item of out.Responses?.[this.table] ?? []) {
        const key = item.id?.S ?? '';
        revoked.set(key.slice(REVOCATION_KEY_PREFIX.length), Number(item.until?.N ?? 0));
      }
      request = out.UnprocessedKeys?.[this.table];
      if (request?.Keys?.length) {
        // Processed keys of this round are settled; only the unprocessed ones remain missing.
        const left = new Set(request.Keys.map((k) => (k.id?.S ?? '').slice(REVOCATION_KEY_PREFIX.length)));
        for (const id of ids) if (!left.has(id)) this.#remember(id, revoked.get(id) ?? 0, missing);
        await new Promise((r) => setTimeout(r, 20 * 2 ** round));
      }
    }
    for (const id of ids) if (missing.has(id)) this.#remember(id, revoked.get(id) ?? 0, missing);
  }

  #remember(id: string, until: number, missing: Set<string>): void {
    missing.delete(id);
    this.#known.delete(id);
    this.#known.set(id, { until, at: this.#now() });
    if (this.#known.size > CACHE_MAX) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
  }
}
