import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { versionTaskFile, writeDevApp } from '../support/dev-app.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** What {@link measureDevLoop} reports (wall-clock ms, medians over the runs). */
export interface DevLoopFigures {
  readonly starts: number;
  /** From starting `celeriac dev` (the built bin) to its "ready" line. */
  readonly readyMs: number;
  readonly readyMsAll: readonly number[];
  readonly reloads: number;
  /** From writing a changed task file to the "reloaded" line (watch debounce included). */
  readonly reloadMs: number;
  readonly reloadMsAll: readonly number[];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** The app's one task, returning `version`. */
const versionTask = (version: number) =>
  `import { task } from 'celeriac';\nexport const version = task('dev.version', {}, async () => ${version});\n`;

function writeTask(dir: string, version: number): void {
  writeFileSync(versionTaskFile(dir), versionTask(version));
}

/** Resolve when `child`'s output (from `from` on) matches `pattern`. */
function waitFor(child: ChildProcess, out: { text: string }, pattern: RegExp, from: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(out.text.slice(from))) {
        child.stdout?.off('data', check);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`celeriac dev exited (${code}):\n${out.text}`)));
    setTimeout(
      () => reject(new Error(`no ${pattern} within 60 s (from ${from} of ${out.text.length}):\n${out.text}`)),
      60_000,
    ).unref();
    check();
  });
}

/**
 * `celeriac dev` as a developer sees it: time to ready from a cold start, and time from a saved
 * change to the reloaded workers. Each start is a new process with new servers (DynamoDB Local's
 * JVM included); the app is a small one in a folder of its own. Needs `npm run build` first.
 *
 * @example
 * ```ts
 * const { readyMs, reloadMs } = await measureDevLoop({ starts: 3, reloadsPerStart: 3 });
 * ```
 */
export async function measureDevLoop(
  options: { starts?: number; reloadsPerStart?: number } = {},
): Promise<DevLoopFigures> {
  const starts = options.starts ?? 3;
  const reloadsPerStart = options.reloadsPerStart ?? 3;
  const dir = path.join(ROOT, 'test', 'artifacts', `bench-dev-${process.pid}`);
  writeDevApp(dir, 'benchdev', versionTask(0));
  const ready: number[] = [];
  const reloads: number[] = [];
  try {
    for (let run = 0; run < starts; run++) {
      const out = { text: '' };
      const began = performance.now();
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'infra', 'cli', 'bin.js'), 'dev'], {
        cwd: dir,
        env: { ...process.env, CELERIAC_API_PORT: '0', CELERIAC_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (d: Buffer) => {
        out.text += d.toString();
      });
      try {
        await waitFor(child, out, /celeriac dev: ready in/, 0);
        ready.push(performance.now() - began);
        for (let i = 0; i < reloadsPerStart; i++) {
          const mark = out.text.length;
          const t = performance.now();
          writeTask(dir, run * 100 + i + 1);
          await waitFor(child, out, /celeriac dev: reloaded in/, mark);
          reloads.push(performance.now() - t);
        }
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    starts,
    readyMs: median(ready),
    readyMsAll: ready.map(Math.round),
    reloads: reloads.length,
    reloadMs: median(reloads),
    reloadMsAll: reloads.map(Math.round),
  };
}
