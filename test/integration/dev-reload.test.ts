import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFromLocalConfig } from '../../infra/local/local-config.js';
import { type CeleriacClient, enqueueByName, type Task, TaskState } from '../../runtime/internal.js';
import { versionTaskFile, writeDevApp } from '../support/dev-app.js';
import { eventually } from './harness.js';

// `celeriac dev` as a user runs it (the built bin), on an app of its own: a change to the app's
// code replaces the workers, and nothing queued or stored is lost.
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const APP = path.join(ROOT, 'test', 'artifacts', `dev-app-${process.pid}`);
const TASK_FILE = versionTaskFile(APP);
/** The app's task, as a producer types it (the app's code is written by the test). */
type VersionTask = Task<{ wait: number }, string>;
let dev: ChildProcess;
let output = '';
let client: CeleriacClient;

/** The app's one task: it waits `wait` ms and returns `version`. */
const versionTask = (version: string) => `import { task } from 'celeriac';
export const version = task('dev.version', { trackStarted: true }, async ({ wait }: { wait: number }) => {
  await new Promise((r) => setTimeout(r, wait));
  return '${version}';
});
`;

function writeTask(version: string): void {
  writeFileSync(TASK_FILE, versionTask(version));
}

/** Resolve with the first match of `pattern` in dev's output after `from` characters. */
function nextLine(pattern: RegExp, from: number, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return eventually(async () => output.slice(from).match(pattern) ?? undefined, timeoutMs, String(pattern));
}

async function runVersion(wait = 0): Promise<string> {
  const handle = await enqueueByName<VersionTask>('dev.version', { wait }, { client });
  return handle.result({ timeout: '60s' });
}

/** A small app of its own: config, registry, worker entry and one task. */
function writeApp(dir: string): void {
  writeDevApp(dir, 'devapp', versionTask('v1'));
}

beforeAll(async () => {
  writeApp(APP);
  dev = spawn(process.execPath, [path.join(ROOT, 'dist', 'infra', 'cli', 'bin.js'), 'dev'], {
    cwd: APP,
    env: { ...process.env, CELERIAC_API_PORT: '0', CELERIAC_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  dev.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await nextLine(/celeriac dev: ready in/, 0, 120_000);
  client = clientFromLocalConfig(path.join(APP, '.celeriac', 'local.json'));
});

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGINT');
    await exited;
  }
  rmSync(APP, { recursive: true, force: true });
});

describe('celeriac dev reloads the workers on a code change', () => {
  it('runs the new code after a change, keeps stored results, and runs what was queued meanwhile', async () => {
    const before = await enqueueByName<VersionTask>('dev.version', { wait: 0 }, { client });
    expect(await before.result({ timeout: '60s' })).toBe('v1');

    const mark = output.length;
    writeTask('v2');
    // Enqueued while the workers are being replaced: it must still run, by old or new code.
    const during = await enqueueByName<VersionTask>('dev.version', { wait: 0 }, { client });
    const reloaded = await nextLine(/celeriac dev: reloaded in (\d+) ms/, mark);
    console.log(`celeriac dev reload: ${reloaded[1]} ms`);

    expect(await runVersion()).toBe('v2');
    expect(['v1', 'v2']).toContain(await during.result({ timeout: '60s' }));
    // The result stored before the reload is still there: the servers never restarted.
    expect(await before.get()).toMatchObject({ state: TaskState.SUCCESS, result: 'v1' });
  });

  it('a task running when the change lands finishes on the old code; nothing is lost', async () => {
    const slow = await enqueueByName<VersionTask>('dev.version', { wait: 1_500 }, { client });
    await eventually(
      async () => ((await slow.get())?.state === TaskState.STARTED ? true : undefined),
      30_000,
      'the slow task to start',
    );
    const mark = output.length;
    writeTask('v3');
    await nextLine(/celeriac dev: reloaded in (\d+) ms/, mark);
    // It was running on v2 when v3 landed, and finished there.
    expect(await slow.result({ timeout: '60s' })).toBe('v2');
    expect(await runVersion()).toBe('v3');
  });

  it('a second celeriac dev in the same app reuses the running stack', async () => {
    const second = spawn(process.execPath, [path.join(ROOT, 'dist', 'infra', 'cli', 'bin.js'), 'dev'], {
      cwd: APP,
      env: { ...process.env, CELERIAC_API_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    second.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const code = await new Promise<number>((resolve) => second.on('exit', (c) => resolve(c ?? 1)));
    expect(text).toMatch(/a local stack is already running for this app \(pid \d+\); reusing it/);
    expect(code).toBe(0);
  });
});

describe('celeriac dev keeps state on disk when asked', () => {
  it('with --persist, a result stored before a restart is read after it', async () => {
    const dir = `${APP}-persist`;
    writeApp(dir);
    writeFileSync(
      path.join(dir, 'script.ts'),
      `import { CeleriacClient, enqueueByName } from 'celeriac';
const id = process.env.READ_ID;
if (!id) {
  const handle = await enqueueByName<any>('dev.version', { wait: 0 });
  await handle.result({ timeout: '60s' });
  console.log(\`id=\${handle.id}\`);
} else {
  const rec = await new CeleriacClient().results.get(id);
  console.log(\`state=\${rec?.state} result=\${JSON.stringify(rec?.result)}\`);
}
`,
    );
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            path.join(ROOT, 'dist', 'infra', 'cli', 'bin.js'),
            'dev',
            '--persist',
            '--run',
            'script.ts',
            '--once',
          ],
          {
            cwd: dir,
            env: { ...process.env, ...env, CELERIAC_API_PORT: '0' },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let text = '';
        child.stdout?.on('data', (d: Buffer) => {
          text += d.toString();
        });
        child.on('exit', () => resolve(text));
      });
    try {
      const first = await run({});
      const id = /id=(\S+)/.exec(first)?.[1];
      expect(id, first).toBeDefined();
      const second = await run({ READ_ID: id });
      expect(second).toContain('state=SUCCESS result="v1"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('celeriac dev start-up errors', () => {
  it('a port in use gives one line naming the variable to change', async () => {
    const other = `${APP}-busy`;
    writeApp(other);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'infra', 'cli', 'bin.js'), 'dev'], {
        cwd: other,
        env: { ...process.env, CELERIAC_API_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
      expect(code).toBe(1);
      expect(err.trim()).toBe(
        `celeriac: dev: port ${port} is in use: set CELERIAC_API_PORT to a free port (0 picks one)`,
      );
    } finally {
      busy.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
