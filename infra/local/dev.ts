import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createWorker } from '../../runtime/index.js';
import { registry } from '../../tasks/index.js';
import { startApiServer } from '../api/node-server.js';
import { runDemo } from './demo.js';
import { LOCAL_CONFIG_PATH, writeLocalConfig } from './local-config.js';
import { LocalStackError } from './servers.js';
import { startLocalStack } from './stack.js';

/**
 * `npm run dev`: the whole system on one machine. Starts SQS (fauxqs) and DynamoDB Local (or
 * uses CELERIAC_SQS_ENDPOINT / CELERIAC_DYNAMODB_ENDPOINT), provisions the registry's plan,
 * runs one event source mapping per queue into the real worker handler, runs the demo once
 * (unless --no-demo), and keeps running until Ctrl-C.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      demo: { type: 'boolean', default: true },
      'no-demo': { type: 'boolean', default: false },
      once: { type: 'boolean', default: false },
    },
  });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log('celeriac dev: starting the local stack…');
  const stack = await startLocalStack({
    registry,
    endpoints: {
      ...(process.env.CELERIAC_SQS_ENDPOINT ? { sqs: process.env.CELERIAC_SQS_ENDPOINT } : {}),
      ...(process.env.CELERIAC_DYNAMODB_ENDPOINT ? { dynamodb: process.env.CELERIAC_DYNAMODB_ENDPOINT } : {}),
    },
  });
  const api = await startApiServer({
    client: stack.client,
    registry,
    port: Number(process.env.CELERIAC_API_PORT ?? 8787),
  }).catch(async (err) => {
    await stack.stop();
    throw err;
  });
  const configPath = writeLocalConfig(stack.config, { api: { url: api.url, token: api.token } });
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    log('\nceleriac dev: stopping workers and servers…');
    await api.close();
    await stack.stop();
    rmSync(LOCAL_CONFIG_PATH, { force: true });
    log('celeriac dev: stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  log(`  SQS (fauxqs)            ${stack.config.endpoints?.sqs}`);
  log(`  DynamoDB (Local, Java)  ${stack.config.endpoints?.dynamodb}`);
  log(`  results table           ${stack.config.table}`);
  log(`  Scheduler (local)       ${stack.config.endpoints?.scheduler} (long delays, beat)`);
  for (const e of stack.plan.schedules) {
    log(
      `  beat ${e.name.padEnd(16)} ${e.expression} ${e.timezone} → ${e.task}${e.enabled ? '' : ' (disabled)'}`,
    );
  }
  for (const q of stack.plan.queues) {
    log(
      `  queue ${q.name.padEnd(8)} → ${q.queueName} (DLQ ${q.dlqName}); batch ${q.batchSize}, concurrency ${q.maxConcurrency}, timeout ${q.workerTimeoutSeconds}s, maxReceiveCount ${q.maxReceiveCount}`,
    );
  }
  log(`  config for the CLI and scripts: ${configPath} (CELERIAC_CONFIG_FILE)`);
  log(`  dashboard + API (127.0.0.1 only) ${api.dashboardUrl}`);
  const handler = createWorker(registry, { client: stack.client });
  stack.startWorkers({
    handler,
    onInvoke: (i) => {
      if (i.outcome !== 'ok' || i.failed > 0) {
        log(
          `  [${i.queue}] invocation of ${i.records} record(s): ${i.outcome}, ${i.failed} returned for retry`,
        );
      }
    },
  });
  log('celeriac dev: workers running. Ctrl-C to stop.\n');
  if (values.demo && !values['no-demo']) await runDemo(stack.client, log);
  if (values.once) await stop(0);
}

main().catch((err) => {
  console.error(err instanceof LocalStackError ? `celeriac dev: ${err.message}` : err);
  process.exit(1);
});
