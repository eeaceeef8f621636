import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { WorkerHandler } from '../../runtime/internal.js';
import { synthWorkerAsset } from '../infra/synth-worker-asset.js';
import { exampleApp } from '../support/example-app.js';
import { runExampleTasks } from './example-run.js';
import { localStack } from './harness.js';

const { registry } = await exampleApp();

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
    const rec = await runExampleTasks(stack, 'asset test');
    expect(rec.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
