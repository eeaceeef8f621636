import { Defaults } from './constants.js';

/**
 * Adaptive polling of a waiting handle: the time between reads is a fixed share
 * (`WAIT_INTERVAL_RATIO`, 20 %) of the time already waited, never under `WAIT_MIN_INTERVAL_MS`
 * (2 ms) and never over `maxMs`. A task that finishes after `t` is seen at most `0.2 t` (or 2 ms)
 * late, and a long wait settles at one read per `maxMs`.
 *
 * @example
 * ```ts
 * pollDelayMs(0, 250);    // 2: a young wait reads often
 * pollDelayMs(100, 250);  // 20
 * pollDelayMs(5000, 250); // 250: a long wait reads every `interval`
 * ```
 */
export function pollDelayMs(elapsedMs: number, maxMs: number = Defaults.WAIT_MAX_INTERVAL_MS): number {
  return Math.min(maxMs, Math.max(Defaults.WAIT_MIN_INTERVAL_MS, elapsedMs * Defaults.WAIT_INTERVAL_RATIO));
}

/**
 * The most reads a wait of `waitMs` makes, with reads that take no time: real reads take some,
 * which only delays the next one, so a real wait makes at most this many. Counts the first read
 * (at once) and the last (at the deadline).
 *
 * @example
 * ```ts
 * maxReads(1_000); // the read cost bound of a one-second wait, documented in docs/results.md
 * ```
 */
export function maxReads(waitMs: number, maxMs: number = Defaults.WAIT_MAX_INTERVAL_MS): number {
  let reads = 1;
  for (let t = 0; t < waitMs; reads++) t = Math.min(waitMs, t + pollDelayMs(t, maxMs));
  return reads;
}
