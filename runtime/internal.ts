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
export {
  type AnyTask,
  type ArgsOf,
  enqueueByName,
  type ResultOf,
  type TaskRef,
  type TaskRefOptions,
  taskRef,
} from './by-name.js';
export type { ChordState } from './canvas/chord-store.js';
export {
  type ChainOutput,
  chain,
  chord,
  chunks,
  type FlatOutputs,
  group,
  MAP_TASK,
  map,
  STARMAP_TASK,
  starmap,
} from './canvas/primitives.js';
export {
  type AnySignature,
  type ApplyOptions,
  ChainSignature,
  ChordSignature,
  ChunksSignature,
  GroupSignature,
  type InputOf,
  type OutputOf,
  Signature,
  type SignatureOptions,
  TaskSignature,
} from './canvas/signature.js';
export type { CanvasNode, ChordRef, ErrbackInput } from './canvas/wire.js';
export {
  getWorkflow,
  type WorkflowEdge,
  type WorkflowGraph,
  type WorkflowNode,
} from './canvas/workflow.js';
export { type ResultRef, WorkflowHandle } from './canvas/workflow-handle.js';
export { CeleriacClient, type CeleriacClientOptions, getDefaultClient, setDefaultClient } from './client.js';
export { type CeleriacConfig, CONFIG_ENV, CONFIG_FILE_ENV, loadConfig, parseConfig } from './config.js';
export { Defaults, Limits, ResultMode, TaskState } from './constants.js';
export { isNonRetriable, isRetry, NonRetriable, Retry } from './control.js';
export { type Duration, toMillis } from './duration.js';
export {
  type EnqueueEntry,
  type EnqueueManyOptions,
  type EnqueueResult,
  enqueue,
  enqueueMany,
  type PreparedMessage,
  prepareMessage,
} from './enqueue.js';
export type { EnqueueOptions } from './enqueue-options.js';
export { type DecodeResult, decodeEnvelope, type Envelope, encodeEnvelope } from './envelope.js';
export { CeleriacError, type CeleriacErrorOptions, ErrorCode } from './errors.js';
export { TaskHandle, type WaitOptions } from './handle.js';
export type { Json } from './json.js';
export { createLogger, type LogFields, type Logger } from './logger.js';
export type { PlanOptions, QueuePlan, ResourcePlan, SchedulePlan, TablePlan, TaskPlan } from './plan.js';
export type { QueueSettings } from './queue.js';
export { acquireSlot, type Slot } from './ratelimit/limiter.js';
export { parseRateLimit, type RateLimit, type RateLimitPolicy } from './ratelimit/parse.js';
export { createRegistry, type Registry, type RegistryOptions } from './registry.js';
export {
  type ListFilter,
  type ListOptions,
  type StatsOptions,
  type TaskPage,
  TaskQuery,
  type TaskQueryOptions,
  type TaskStats,
  type TaskSummary,
  type Workflow,
} from './results/query.js';
export type { SerializedError, TaskEvent, TaskRecord } from './results/record.js';
export { ResultsSchema } from './results/schema.js';
export { DEFAULT_SHARDS, type ResultShards } from './results/shards.js';
export type { StatsBucket } from './results/stats-buckets.js';
export { ResultStore } from './results/store.js';
export { type BackoffOptions, backoffDelayMs, type RetryOptions, type RetryPolicy } from './retry.js';
export {
  type RevokeOptions,
  type RevokeResult,
  revoke,
  revokeWorkflow,
} from './revoke/revoke.js';
export { type Route, type Routes, routesOf } from './routes.js';
export {
  beatInput,
  cron,
  rate,
  SCHEDULED_TIME,
  type ScheduleEntry,
  type ScheduleOptions,
} from './schedules/beat.js';
export { toSchedulerCron, toSchedulerRate } from './schedules/expression.js';
export { MAX_DELAY_MS, scheduleNameFor } from './schedules/one-time.js';
export { beatScheduleRequest, runScheduleNow } from './schedules/run-now.js';
export { CallDeadlineError, withCallDeadline } from './sdk/call-deadline.js';
export { type SdkTimeouts, timedHttpHandler } from './sdk/timeouts.js';
export {
  type Task,
  type TaskContext,
  type TaskDefinition,
  type TaskHandler,
  type TaskOptions,
  task,
} from './task.js';
export { createWorker, type WorkerOptions } from './worker/handler.js';
export { TaskRevoked } from './worker/revoke-watch.js';
export { TimeLimitExceeded } from './worker/time-limit.js';
export type { BatchResponse, LambdaContextLike, SqsEvent, SqsRecord, WorkerHandler } from './worker/types.js';
