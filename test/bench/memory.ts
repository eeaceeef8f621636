import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { CeleriacConfig } from '../../runtime/index.js';
import { ROOT } from './bundle.js';
import { median } from './counting.js';

/** Peak resident memory of two bundled handlers doing the same work, in processes of their own. */
export interface MemoryReport {
  readonly runs: number;
  readonly tasksPerRun: number;
  /** Median peak RSS (MB). */
  readonly workerPeakMb: number;
  readonly baselinePeakMb: number;
  /** Median of the per-pair ratios (worker ÷ baseline). */
  readonly ratio: number;
}

const CHILD = join(ROOT, 'test', 'bench', 'fixtures', 'load-child.mjs');

function peakRss(file: string, task: string, batches: number, env: NodeJS.ProcessEnv): number {
  const out = execFileSync(process.execPath, [CHILD, file, task, String(batches)], {
    env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return (JSON.parse(out.toString()) as { peakRss: number }).peakRss;
}

/**
 * Run the bundled worker (`workerFile`, tasks `task`) and the bundled hand-written handler
 * (`baselineFile`) over `batches` batches of 10 fresh task messages each against the local
 * stack's results table, `runs` times each, interleaved, each in a process of its own (plain
 * Node, no TypeScript loader: as Lambda runs the bundle). Lambda reports peak RSS as memory used.
 */
export function measureMemory(
  config: CeleriacConfig,
  workerFile: string,
  task: string,
  baselineFile: string,
  batches: number,
  runs: number,
): MemoryReport {
  const endpoint = config.endpoints?.dynamodb ?? '';
  const workerEnv = { CELERIAC_CONFIG: JSON.stringify(config), CELERIAC_LOG_LEVEL: 'error' };
  const baselineEnv = {
    RESULTS_TABLE: config.table,
    AWS_REGION: config.region,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < runs; i++) {
    const oursFirst = i % 2 === 0;
    const run = (mine: boolean) =>
      mine
        ? peakRss(workerFile, task, batches, workerEnv)
        : peakRss(baselineFile, task, batches, baselineEnv);
    const a = run(oursFirst);
    const b = run(!oursFirst);
    ours.push(oursFirst ? a : b);
    base.push(oursFirst ? b : a);
  }
  const mb = (bytes: number) => bytes / 1_048_576;
  return {
    runs,
    tasksPerRun: batches * 10,
    workerPeakMb: mb(median(ours)),
    baselinePeakMb: mb(median(base)),
    ratio: median(ours.map((o, i) => o / base[i]!)),
  };
}
