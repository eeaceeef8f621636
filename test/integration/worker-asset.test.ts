import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { WorkerHandler } from '../../runtime/internal.js';
import { synthWorkerAsset } from '../infra/synth-worker-asset.js';
import { exampleApp, exampleTasks } from '../support/example-app.js';
import { localStack, waitForState } from './harness.js';

const { registry } = await exampleApp();
const [doomed, fetchPage, flaky, sendWelcome] = await exampleTasks(
  'examples.doomed',
  'examples.fetch-page',
  'examples.flaky',
  'examples.send-welcome',
);

// The artifact `cdk deploy` would upload — not the source — driven by the local event source
// mapping with real SQS events, against local SQS and DynamoDB.
let stack: LocalStack;
let bundleBytes = 0;

beforeAll(async () => {
  const asset = synthWorkerAsset();
  bundleBytes = asset.bytes;
  stack = await localStack(registry);
  process.env.CELERIAC_CONFIG = JSON.stringify(stack.config);
  const { handler } = (await import(pathToFileURL(asset.file).href)) as { handler: WorkerHandler };
  stack.startWorkers({ handler, waitTimeSeconds: 1 });
}, 180_000);

afterAll(async () => {
  delete process.env.CELERIAC_CONFIG;
  await stack?.stop();
});

describe('the synthesized worker bundle', () => {
  it('is the minified single-file bundle CDK ships', () => {
    expect(bundleBytes).toBeGreaterThan(100_000);
    expect(bundleBytes).toBeLessThan(1_000_000);
  });

  it('runs tasks end to end: success, schema, retry then success, failure to the DLQ', async () => {
    const client = stack.client;
    const ok = await fetchPage.enqueue({ url: 'https://example.com/a', latencyMs: 10 }, { client });
    const welcome = await sendWelcome.enqueue({ email: 'ada@example.com', name: 'Ada' }, { client });
    const retried = await flaky.enqueue({ failTimes: 1 }, { client });
    const failed = await doomed.enqueue({ reason: 'asset test' }, { client });
    expect(await ok.result({ timeout: '20s' })).toMatchObject({ status: 200 });
    expect(await welcome.result({ timeout: '20s' })).toEqual({
      to: 'ada@example.com',
      subject: 'Welcome, Ada!',
    });
    expect(await retried.result({ timeout: '30s' })).toEqual({ succeededOnAttempt: 2 });
    const rec = await waitForState(stack, failed.id, ['FAILURE'], 30_000);
    expect(rec.error).toMatchObject({ type: 'Error', message: 'doomed: asset test' });
    expect(rec.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
