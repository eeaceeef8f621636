import type { Duration } from './duration.js';

/** Options of `TaskHandle.result()` and of waits on several tasks. */
export interface WaitOptions {
  /** Give up after this long. @default '60s' */
  readonly timeout?: Duration;
  /**
   * Longest time between reads of the results table. Reads start 2 ms apart and back off to
   * this, each wait being 20 % of the time waited so far (see docs/results.md for the bound on
   * reads per wait). @default '250ms'
   */
  readonly interval?: Duration;
}
