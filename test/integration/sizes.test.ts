import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redrive } from '../../infra/api/ops/queues.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { CeleriacClient, createRegistry, task } from '../../runtime/index.js';
import { ARGS_STORE_MAX_BYTES, RESULT_STORE_MAX_BYTES } from '../../runtime/results/write.js';
import { localStack, waitForState } from './harness.js';

/** Returns `n` euro signs: 3 UTF-8 bytes each, one UTF-16 unit each. */
const euros = task('euros', {}, ({ n }: { n: number; note?: string }) => '€'.repeat(n));
const registry = createRegistry({ app: 'sizes', queues: { default: { timeout: '30s' } }, tasks: [euros] });

let stack: LocalStack;
let workers: { stop(): Promise<void> }[] = [];
beforeAll(async () => {
  stack = await localStack(registry);
  workers = stack.startWorkers({ waitTimeSeconds: 1 });
});
afterAll(() => stack?.stop());

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

describe('limits are measured in UTF-8 bytes', () => {
  it('a result under the limit in characters but over it in bytes is not stored (truncated), and the task succeeds', async () => {
    const n = Math.floor(RESULT_STORE_MAX_BYTES / 2); // 175,000 characters, 525,000 bytes
    expect(n).toBeLessThan(RESULT_STORE_MAX_BYTES);
    expect(utf8('€'.repeat(n))).toBeGreaterThan(400_000);
    const h = await euros.enqueue({ n }, { client: stack.client });
    const rec = await waitForState(stack, h.id, ['SUCCESS', 'FAILURE'], 30_000);
    expect(rec.state).toBe('SUCCESS');
    expect(rec.truncated).toEqual(['result']);
    expect(rec.result).toBeUndefined();
  });

  it('arguments over 8 KB in bytes (not in characters) are not stored with the result', async () => {
    const note = '€'.repeat(3_000); // 3,000 characters, 9,000 bytes
    expect(utf8(JSON.stringify({ n: 1, note }))).toBeGreaterThan(ARGS_STORE_MAX_BYTES);
    const h = await euros.enqueue({ n: 1, note }, { client: stack.client });
    const rec = await waitForState(stack, h.id, ['SUCCESS'], 30_000);
    expect(rec.result).toBe('€');
    expect(rec.truncated).toEqual(['args']);
    const small = await euros.enqueue({ n: 2, note: '€'.repeat(100) }, { client: stack.client });
    const smallRec = await waitForState(stack, small.id, ['SUCCESS'], 30_000);
    expect(smallRec.args).toEqual({ n: 2, note: '€'.repeat(100) });
  });
});

describe('DLQ redrive', () => {
  it('packs what it moves into batches of at most 10 entries and 1 MiB', async () => {
    // No workers: the moved bodies are not task envelopes; what matters is what the redrive sends.
    await Promise.all(workers.map((w) => w.stop()));
    const { dlqUrl } = stack.client.queue('default');
    // Ten 300 KB dead letters: one receive of 10, too big for one send.
    const bodies = Array.from({ length: 10 }, (_, i) => `{"big":${i},"pad":"${'x'.repeat(300_000)}"}`);
    for (let i = 0; i < bodies.length; i += 3) {
      await stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: bodies.slice(i, i + 3).map((b, j) => ({ Id: String(j), MessageBody: b })),
        }),
      );
    }
    // Record every batch the redrive sends.
    const sqs = new SQSClient({
      region: stack.config.region,
      endpoint: stack.config.endpoints!.sqs!,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    const sent: SendMessageBatchCommandInput[] = [];
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageBatchCommand')
          sent.push(args.input as SendMessageBatchCommandInput);
        return next(args);
      },
      { step: 'initialize', name: 'recordBatches' },
    );
    const client = new CeleriacClient({ config: stack.config, sqs, dynamodb: stack.dynamodb });
    const out = await redrive(client, 'default');
    sqs.destroy();
    expect(out.moved).toBe(10);
    expect(out.failed).toBe(0);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const batch of sent) {
      expect(batch.Entries!.length).toBeLessThanOrEqual(10);
      const bytes = batch.Entries!.reduce((n, e) => n + utf8(e.MessageBody ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(1_048_576);
    }
    expect(sent.flatMap((b) => b.Entries!.map((e) => e.MessageBody)).sort()).toEqual([...bodies].sort());
  });
});
