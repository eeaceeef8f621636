/**
 * Celeriac's CDK constructs.
 *
 * @example
 * ```ts
 * import { TaskRuntime } from 'celeriac/cdk';
 * new TaskRuntime(stack, 'Tasks', { plan: planOf(registry), workerEntry: 'src/tasks/worker.ts', resultsApi: { entry: 'src/tasks/api.ts' } });
 * ```
 * @packageDocumentation
 */
export { RuntimeAlarms, type RuntimeAlarmsProps } from './alarms.js';
export { type AppSettings, settingsFromContext, standaloneAppProps } from './app-settings.js';
export { CeleriacBeat, type CeleriacBeatProps } from './beat/index.js';
export { AwsLimits, RuntimeDefaults } from './constants.js';
export { type DashboardQueue, RuntimeDashboard, type RuntimeDashboardProps } from './dashboard.js';
export { TaskRuntimeValidationError } from './errors.js';
export type { RuntimeResultsApiOptions, RuntimeScheduleOptions, TaskRuntimeProps } from './props.js';
export { ResultsApi, type ResultsApiProps, type ResultsApiQueue } from './results-api/index.js';
export { ResultsTable, type ResultsTableProps, TableActions } from './results-table.js';
export { RuntimeScheduler, type RuntimeSchedulerProps, type ScheduleTarget } from './scheduler.js';
export { CeleriacStack, type CeleriacStackProps } from './stack.js';
export { TaskRuntime } from './task-runtime.js';
export { estimateConfigBytes, type RuntimeCheckOptions, validateRuntime } from './validate.js';
export { WorkQueue, type WorkQueueProps } from './work-queue.js';
export { CONSUME_ACTIONS, Worker, type WorkerCodeProps, type WorkerProps } from './worker.js';
