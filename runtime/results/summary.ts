import type { TaskRecord } from './record.js';

/** A list row: what the indexes project, enough to render a table without reading items. */
export type TaskSummary = Omit<
  TaskRecord,
  'args' | 'result' | 'error' | 'history' | 'requestId' | 'truncated'
> & {
  /** The error's type, for failed and retried tasks. */
  readonly errorType?: string;
  /** The chord whose join this task's result feeds. */
  readonly chordId?: string;
  /** The chord whose body (callback) this task is. */
  readonly joinOf?: string;
};
