import { expect } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { TaskRecord } from '../../runtime/internal.js';
import { exampleTasks } from '../support/example-app.js';
import { waitForState } from './harness.js';

/**
 * Run the example app's tasks through whatever worker `stack` drives (a bundle under test):
 * a success, a schema-checked task, a retry that then succeeds, and a failure to the DLQ whose
 * record is returned for the caller's own checks.
 *
 * @example
 * ```ts
 * const failed = await runExampleTasks(stack, 'asset test');
 * ```
 */
export async function runExampleTasks(stack: LocalStack, reason: string): Promise<TaskRecord> {
  const [doomed, fetchPage, flaky, sendWelcome] = await exampleTasks(
    'examples.doomed',
    'examples.fetch-page',
    'examples.flaky',
    'examples.send-welcome',
  );
  const client = stack.client;
  const ok = await fetchPage.enqueue({ url: 'https://example.com/a', latencyMs: 10 }, { client });
  const welcome = await sendWelcome.enqueue({ email: 'ada@example.com', name: 'Ada' }, { client });
  const retried = await flaky.enqueue({ failTimes: 1 }, { client });
  const failed = await doomed.enqueue({ reason }, { client });
  expect(await ok.result({ timeout: '20s' })).toMatchObject({ status: 200 });
  expect(await welcome.result({ timeout: '20s' })).toEqual({
    to: 'ada@example.com',
    subject: 'Welcome, Ada!',
  });
  expect(await retried.result({ timeout: '30s' })).toEqual({ succeededOnAttempt: 2 });
  const rec = await waitForState(stack, failed.id, ['FAILURE'], 30_000);
  expect(rec.error).toMatchObject({ type: 'Error', message: `doomed: ${reason}` });
  return rec;
}
