import { execFileSync } from 'node:child_process';
import { median } from './counting.js';
import { percentile } from './latency.js';

/** Init time of a bundle against a baseline bundle, each import in a process of its own. */
export interface ColdStartReport {
  readonly runs: number;
  /** Medians of the wall-clock import times (ms). */
  readonly initMs: number;
  readonly baselineInitMs: number;
  /** Median of the per-pair wall-clock ratios (bundle ÷ baseline, measured back to back). */
  readonly ratio: number;
  /** 10th and 90th percentiles of the per-pair wall-clock ratios. */
  readonly ratioP10: number;
  readonly ratioP90: number;
  /** The same, in CPU time of the importing process: what the import costs, whatever the load. */
  readonly cpuInitMs: number;
  readonly cpuBaselineInitMs: number;
  readonly cpuRatio: number;
  readonly cpuRatioP10: number;
  readonly cpuRatioP90: number;
}

const SCRIPT = [
  'const c=process.cpuUsage();const t=performance.now();await import(process.argv[1]);',
  'const w=performance.now()-t;const u=process.cpuUsage(c);',
  'process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1000}));',
].join('');

/** One import of a bundle (its module evaluation: what Lambda's INIT runs) in a fresh Node. */
export interface ImportTime {
  /** Wall-clock milliseconds. */
  readonly wall: number;
  /** CPU milliseconds (user + system) of the process during the import: less sensitive to load. */
  readonly cpu: number;
}

/** Time one import of `file` in a fresh Node process. */
export function importOnce(file: string): ImportTime {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT, file], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return JSON.parse(out.toString()) as ImportTime;
}

/**
 * Import `file` and `baseline` `runs` times each, interleaved (the order alternates per pair,
 * so drift in the machine's load favours neither), each in a process of its own. The ratio of
 * each pair is taken first and the median of ratios reported, with its spread: a loaded machine
 * slows both halves of a pair alike.
 */
export function measureColdStart(file: string, baseline: string, runs: number): ColdStartReport {
  importOnce(file); // warm the OS file cache for both
  importOnce(baseline);
  const ours: ImportTime[] = [];
  const base: ImportTime[] = [];
  for (let i = 0; i < runs; i++) {
    const oursFirst = i % 2 === 0;
    const a = importOnce(oursFirst ? file : baseline);
    const b = importOnce(oursFirst ? baseline : file);
    ours.push(oursFirst ? a : b);
    base.push(oursFirst ? b : a);
  }
  const ratios = (key: keyof ImportTime) => ours.map((o, i) => o[key] / base[i]![key]);
  const wall = ratios('wall');
  const cpu = ratios('cpu');
  return {
    runs,
    initMs: median(ours.map((o) => o.wall)),
    baselineInitMs: median(base.map((b) => b.wall)),
    ratio: median(wall),
    ratioP10: percentile(wall, 0.1),
    ratioP90: percentile(wall, 0.9),
    cpuInitMs: median(ours.map((o) => o.cpu)),
    cpuBaselineInitMs: median(base.map((b) => b.cpu)),
    cpuRatio: median(cpu),
    cpuRatioP10: percentile(cpu, 0.1),
    cpuRatioP90: percentile(cpu, 0.9),
  };
}
