import { mintedAfter, type RevocationHorizon } from './revocation-horizon.js';
import type { RevocationCache } from './revocations.js';

/** A message's ids as the revocation check sees them. */
export interface Watched {
  readonly id: string;
  readonly root: string;
  /** When the runtime minted the id and root (`Envelope.born`); absent when a caller chose them. */
  readonly born?: number | undefined;
}

/**
 * Which of a batch's (or a running invocation's) tasks are revoked, at the lowest read cost:
 * the horizon (at most one GetItem per refresh interval per worker), and only the ids of
 * messages minted before the newest revocation (or without a mint time) are read, with one
 * BatchGetItem through the per-id cache. When the horizon is stale, it and every id are read at
 * once. Never rejects (both parts fall back to what is known).
 *
 * @example
 * ```ts
 * const view = new RevocationView(horizon, cache);
 * const revoked = await view.revokedAmong([{ id: env.id, root: env.root, born: env.born }]);
 * ```
 */
export class RevocationView {
  constructor(
    private readonly horizon: RevocationHorizon,
    private readonly cache: RevocationCache,
  ) {}

  /** The ids (task ids and workflow roots) among `watched` that are revoked now. */
  async revokedAmong(watched: readonly Watched[]): Promise<ReadonlySet<string>> {
    if (watched.length === 0) return new Set();
    const latest = this.horizon.fresh();
    if (latest === undefined) {
      // A stale horizon is read alongside every id (one round trip, one time limit for both):
      // this batch pays the per-id read, the next ones within the refresh interval need not.
      const [, revoked] = await Promise.all([
        this.horizon.latest(),
        this.cache.lookup(watched.flatMap((w) => [w.id, w.root])),
      ]);
      return revoked;
    }
    const ids = watched.flatMap((w) => (mintedAfter(w.born, latest) ? [] : [w.id, w.root]));
    return ids.length ? this.cache.lookup(ids) : new Set();
  }
}
