import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, type LocalStack } from '../../infra/local/stack.js';
import {
  CeleriacClient,
  chain,
  createWorker,
  type SqsRecord,
  type WorkerHandler,
} from '../../runtime/index.js';
import { after, charge, flaky, refuse, registry, runs, thrower } from './fixtures/fault-tasks.js';
import { localStack, queueCounts, waitForState } from './harness.js';

let stack: LocalStack;
let worker: WorkerHandler;

beforeAll(async () => {
  stack = await localStack(registry);
  worker = createWorker(registry, { client: stack.client });
});
afterAll(() => stack?.stop());

const ctx = () => ({ awsRequestId: randomBytes(4).toString('hex'), getRemainingTimeInMillis: () => 30_000 });
const manual = () => stack.config.queues.manual!;

/** Receive one message of the manual queue (waiting for it), hidden for `visibility` seconds. */
async function receiveOne(visibility = 1): Promise<Message> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const out = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: manual().url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibility,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (out.Messages?.[0]) return out.Messages[0];
  }
  throw new Error('no message arrived in 20 s');
}

function toRecord(m: Message): SqsRecord {
  const url = manual().url;
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${url.slice(url.lastIndexOf('/') + 1)}`,
  };
}

/** What the event source mapping does with one message: invoke, then delete what succeeded. */
async function deliver(handler: WorkerHandler, m: Message): Promise<boolean> {
  const response = await handler({ Records: [toRecord(m)] }, ctx());
  const failed = response.batchItemFailures.length > 0;
  if (!failed) {
    await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: manual().url,
        Entries: [{ Id: '0', ReceiptHandle: m.ReceiptHandle! }],
      }),
    );
  }
  return !failed;
}

/** Deliver messages as they come until the one of task `id` has been delivered; its outcome. */
async function deliverFor(handler: WorkerHandler, id: string): Promise<boolean> {
  for (;;) {
    const m = await receiveOne();
    const ok = await deliver(handler, m);
    if ((JSON.parse(m.Body ?? '{}') as { id?: string }).id === id) return ok;
  }
}

/** Deliver whatever is left in the manual queue (duplicates a test made on purpose). */
async function drain(handler: WorkerHandler): Promise<void> {
  for (;;) {
    const c = await queueCounts(stack, manual().url);
    if (c.visible + c.inFlight + c.delayed === 0) return;
    await deliver(handler, await receiveOne());
  }
}

async function sendRaw(body: string): Promise<void> {
  await stack.sqs.send(new SendMessageCommand({ QueueUrl: manual().url, MessageBody: body }));
}

describe('one failure, one DLQ message', () => {
  it('a batch that times out after the dead-letter copy neither brings the message back nor copies it twice', async () => {
    const handle = await refuse.enqueue({}, { client: stack.client });
    const message = await receiveOne(30);
    // The invocation "times out": its response never reaches the event source, nothing is deleted by it.
    await worker({ Records: [toRecord(message)] }, ctx());
    expect(await queueCounts(stack, manual().url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await queueCounts(stack, manual().dlqUrl)).visible).toBe(1);
    // Were the message delivered again all the same (deleted a moment too late), it is not run or copied again.
    const again = { ...toRecord(message), attributes: { ApproximateReceiveCount: '2' } };
    expect(await worker({ Records: [again] }, ctx())).toEqual({ batchItemFailures: [] });
    expect([runs.get(handle.id), (await queueCounts(stack, manual().dlqUrl)).visible]).toEqual([1, 1]);
  });
});

describe('a run-once task whose claim is COMPLETED on redelivery', () => {
  it('records SUCCESS from the claim and continues the chain when the first SUCCESS write was lost', async () => {
    const dynamodb = new DynamoDBClient({
      region: stack.config.region,
      endpoint: stack.config.endpoints!.dynamodb!,
      credentials: LOCAL_CREDENTIALS,
    });
    // Every SUCCESS write of the first delivery is throttled (the store retries a throttle inside
    // the invocation, so one would not be enough to lose the write).
    let throttling = true;
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        const item = (args.input as { Item?: Record<string, { S?: string }> }).Item;
        if (throttling && item?.state?.S === 'SUCCESS' && item.task?.S === charge.name) {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
            name: 'ThrottlingException',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleFirstSuccess' },
    );
    const faulty = createWorker(registry, {
      client: new CeleriacClient({ config: stack.config, sqs: stack.sqs, dynamodb }),
    });
    const h = await chain(charge.si({ n: 5 }), after.s()).apply({ client: stack.client });
    expect(await deliverFor(faulty, h.rootId)).toBe(false);
    throttling = false;
    expect(await deliverFor(faulty, h.rootId)).toBe(true);
    // The next step was sent by both deliveries (same id): a duplicate, as SQS may make one too.
    await drain(faulty);
    expect(await h.result({ timeout: '10s' })).toBe(6);
    expect(await waitForState(stack, h.rootId, ['SUCCESS'])).toMatchObject({ result: { charged: 5 } });
    expect(runs.get(h.rootId)).toBe(1);
    dynamodb.destroy();
  });
});

describe('every value a task can throw and every body a queue can hold ends recorded', () => {
  it.each(['null-prototype', 'toString-throws', 'message-not-string', 'huge-name'])(
    'a thrown %s value is recorded as FAILURE with a bounded error',
    async (what) => {
      const handle = await thrower.enqueue({ what }, { client: stack.client });
      await deliverFor(worker, handle.id);
      const rec = await waitForState(stack, handle.id, ['FAILURE']);
      expect(rec.error!.type.length + rec.error!.message.length).toBeLessThanOrEqual(4_200);
    },
  );

  it('a malformed body naming a 3 KB task is recorded under a bounded name', async () => {
    const id = `odd-${randomBytes(4).toString('hex')}`;
    await sendRaw(JSON.stringify({ v: 1, id, task: 'y'.repeat(3_000) }));
    await deliverFor(worker, id);
    expect((await waitForState(stack, id, ['FAILURE'])).task).toHaveLength(128);
  });

  it('arguments nested 5,000 deep are recorded as a malformed message', async () => {
    const id = `deep-${randomBytes(4).toString('hex')}`;
    const args = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    await sendRaw(`{"v":1,"id":"${id}","task":"fault.echo","args":${args},"queue":"manual","enqueuedAt":1}`);
    await deliverFor(worker, id);
    expect((await waitForState(stack, id, ['FAILURE'])).error?.message).toBe(
      'message body is nested deeper than 1000 levels',
    );
  });
});

describe("attempts beyond the queue's maxReceiveCount", () => {
  it('retries through fresh copies and ends FAILURE, never stuck in RETRY', async () => {
    const budget = stack.plan.queues.find((q) => q.name === 'manual')!.maxReceiveCount;
    const attempts = budget + 3;
    const h = await flaky.si({}, { maxAttempts: attempts }).apply({ client: stack.client });
    for (let i = 0; i < attempts; i++) await deliverFor(worker, h.rootId);
    const rec = await waitForState(stack, h.rootId, ['FAILURE']);
    expect([rec.attempts, runs.get(h.rootId), rec.error?.message]).toEqual([
      attempts,
      attempts,
      `attempt ${attempts} of ${attempts} failed`,
    ]);
  });
});
