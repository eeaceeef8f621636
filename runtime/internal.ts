/**
 * Celeriac's plumbing, for its own CDK construct, local stack, results API and CLI: envelopes,
 * the results store and queries, plan types, schedule helpers. Not part of the user API; it
 * may change in any release. Users import `celeriac`.
 *
 * @example
 * ```ts
 * import { decodeEnvelope } from 'celeriac/internal';
 * const decoded = decodeEnvelope(record.body);
 * ```
 * @packageDocumentation
 */

export { isThrottle, isTransientAwsError } from './aws-errors.js';
export type { ChordState } from './canvas/chord-store.js';
export { MAP_TASK, STARMAP_TASK } from './canvas/primitives.js';
export type { CanvasNode, ChordRef } from './canvas/wire.js';
export { CONFIG_ENV, CONFIG_FILE_ENV, loadConfig, parseConfig } from './config.js';
export { Defaults, Limits, SettingLimits } from './constants.js';
export { toMillis } from './duration.js';
export { type PreparedMessage, prepareMessage } from './enqueue.js';
export { type DecodeResult, decodeEnvelope, type Envelope, encodeEnvelope } from './envelope.js';
// Everything users import from `celeriac`, besides the plumbing listed here.
export * from './index.js';
export { createLogger, type LogFields, type Logger } from './logger.js';
export {
  planOf,
  type QueuePlan,
  type ResourcePlan,
  type SchedulePlan,
  type TablePlan,
  type TaskPlan,
} from './plan.js';
export { acquireSlot, type Slot } from './ratelimit/limiter.js';
export { parseRateLimit } from './ratelimit/parse.js';
export { ResultsSchema } from './results/schema.js';
export { DEFAULT_SHARDS } from './results/shards.js';
// A type in the user API; the class itself for the API and tests.
export { ResultStore } from './results/store.js';
export { backoffDelayMs } from './retry.js';
export { type Route, type Routes, routesOf } from './routes.js';
export { beatInput, SCHEDULED_TIME } from './schedules/beat.js';
export { toSchedulerCron, toSchedulerRate } from './schedules/expression.js';
export { MAX_DELAY_MS, scheduleNameFor } from './schedules/one-time.js';
export { beatScheduleRequest } from './schedules/run-now.js';
export { CallDeadlineError, withCallDeadline } from './sdk/call-deadline.js';
export { timedHttpHandler } from './sdk/timeouts.js';
