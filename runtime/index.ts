/**
 * Celeriac: Celery's programming model on AWS serverless. This entry point is the user's API:
 * define tasks, build a registry and a worker, enqueue, compose canvases, wait for results,
 * revoke, declare cron entries. The CDK construct is `celeriac/cdk`, the local stack
 * `celeriac/local`, the results API `celeriac/api`, the config file `celeriac/config`, test
 * helpers `celeriac/testing`.
 *
 * @example
 * ```ts
 * import { task, createRegistry, createWorker } from 'celeriac';
 * export const add = task('add', {}, ({ x, y }: { x: number; y: number }) => x + y);
 * export const registry = createRegistry({ tasks: [add] });
 * export const handler = createWorker(registry);
 * ```
 * @packageDocumentation
 */

export {
  type AnyTask,
  type ArgsOf,
  enqueueByName,
  type ResultOf,
  type TaskRef,
  type TaskRefOptions,
  taskRef,
} from './by-name.js';
export {
  type ChainOutput,
  chain,
  chord,
  chunks,
  type FlatOutputs,
  group,
  map,
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
export type { ErrbackInput } from './canvas/wire.js';
export {
  getWorkflow,
  type WorkflowEdge,
  type WorkflowGraph,
  type WorkflowNode,
} from './canvas/workflow.js';
export { type ResultRef, WorkflowHandle } from './canvas/workflow-handle.js';
export { CeleriacClient, type CeleriacClientOptions, getDefaultClient, setDefaultClient } from './client.js';
export type { CeleriacConfig } from './config.js';
export { ResultMode, TaskState } from './constants.js';
export { isNonRetriable, isRetry, NonRetriable, Retry } from './control.js';
export type { Duration } from './duration.js';
export {
  type CheckedEntries,
  type EnqueueEntry,
  type EnqueueManyOptions,
  type EnqueueResult,
  enqueue,
  enqueueMany,
} from './enqueue.js';
export type { EnqueueOptions } from './enqueue-options.js';
export { CeleriacError, type CeleriacErrorOptions, ErrorCode } from './errors.js';
export { TaskHandle, type WaitOptions } from './handle.js';
export type { Json } from './json.js';
export type { PlanOptions } from './plan.js';
export type { QueueSettings } from './queue.js';
export type { RateLimit, RateLimitPolicy } from './ratelimit/parse.js';
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
export type { ResultShards } from './results/shards.js';
export type { StatsBucket } from './results/stats-buckets.js';
export type { ResultStore } from './results/store.js';
export type { BackoffOptions, RetryOptions, RetryPolicy } from './retry.js';
export { type RevokeOptions, type RevokeResult, revoke, revokeWorkflow } from './revoke/revoke.js';
export { cron, rate, type ScheduleEntry, type ScheduleOptions } from './schedules/beat.js';
export { runScheduleNow } from './schedules/run-now.js';
export type { SdkTimeouts } from './sdk/timeouts.js';
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
