import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../infra/cli/main.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { exampleApp } from '../support/example-app.js';
import { localStack, waitForState } from './harness.js';

const { registry } = await exampleApp();

// The CLI as a script uses it: argv in, stdout and an exit code out, against the local stack.
let stack: LocalStack;

beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1 });
  process.env.CELERIAC_CONFIG = JSON.stringify(stack.config);
});
afterAll(async () => {
  delete process.env.CELERIAC_CONFIG;
  await stack?.stop();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    process.exitCode = undefined;
    const code = await runCli(['node', 'celeriac', ...args]);
    return { code, stdout };
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

describe('celeriac CLI (local stack)', () => {
  it('cron ls lists the beat schedules from the registry', async () => {
    const { code, stdout } = await cli('--json', 'cron', 'ls');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).schedules).toEqual([
      expect.objectContaining({
        name: 'nightly-primes',
        expression: 'cron(0 3 * * ? *)',
        task: 'examples.count-primes',
      }),
    ]);
  });

  it('cron run fires a schedule now, as a firing would, and the task runs', async () => {
    const { code, stdout } = await cli('--json', 'cron', 'run', 'nightly-primes');
    expect(code).toBe(0);
    const { id, task } = JSON.parse(stdout) as { id: string; task: string };
    expect(task).toBe('examples.count-primes');
    const rec = await waitForState(stack, id, ['SUCCESS'], 30_000);
    expect(rec.result).toEqual({ limit: 100_000, primes: 9592 });
  });

  it('an unknown schedule exits 3 (not found)', async () => {
    const { code } = await cli('cron', 'run', 'no-such-schedule');
    expect(code).toBe(3);
  });

  it('enqueue --wait returns the result; get shows it; wait on an unknown id times out with 4', async () => {
    const run = await cli('--json', 'enqueue', 'examples.add', '--args', '{"x":2,"y":5}', '--wait');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { id: string; result?: unknown };
    const got = await cli('--json', 'get', out.id);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: out.id, state: 'SUCCESS', result: 7 });
    const waited = await cli('wait', 'never-enqueued-id', '--timeout', '1s');
    expect(waited.code).toBe(4);
  });
});
