import { Defaults } from '../../../../runtime/constants.js';
import type { Envelope } from '../../../../runtime/envelope.js';
import { createLogger } from '../../../../runtime/logger.js';
import { maxReceiveCountOf } from '../../../../runtime/plan.js';
import type { Registry } from '../../../../runtime/registry.js';
import type { Runnable } from '../../../../runtime/worker/checks.js';
import type { Decision } from '../../../../runtime/worker/decision.js';
import type { Outcome } from '../../../../runtime/worker/outcome.js';
import { decodeRecord, type RecordDeps, runRecord } from '../../../../runtime/worker/run-record.js';
import type { SqsRecord } from '../../../../runtime/worker/types.js';
import { MemoryWorkerStore, MemoryWorkflow } from './memory-store.js';

/** The fixed clock of the worker unit tests. */
export const NOW = Date.parse('2026-06-01T12:00:00Z');

let counter = 0;

/**
 * An SQS record as Lambda delivers it (Powertools' `sqsRecordFactory`): `body` as given, the
 * receive count as asked.
 */
export function sqsRecordFactory(
  body: string,
  options: { receiveCount?: number; messageId?: string } = {},
): SqsRecord {
  counter++;
  return {
    messageId: options.messageId ?? `m-${counter}`,
    receiptHandle: `rh-${counter}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(NOW),
      ApproximateFirstReceiveTimestamp: String(NOW),
    },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:unit-default',
    awsRegion: 'eu-west-1',
  };
}

/** An envelope of task `task` with fresh ids. */
export function envelopeFactory(task: string, overrides: Partial<Envelope> = {}): Envelope {
  counter++;
  const id = overrides.id ?? `t-${counter}`;
  return {
    v: Defaults.ENVELOPE_VERSION,
    id,
    task,
    args: {},
    queue: 'default',
    enqueuedAt: NOW - 1_000,
    root: id,
    ...overrides,
  };
}

/** A record carrying `envelope` as its body. */
export function envelopeRecord(envelope: Envelope, receiveCount = 1): SqsRecord {
  return sqsRecordFactory(JSON.stringify(envelope), { receiveCount });
}

/** A worker harness: an in-memory store and workflow, a fixed clock, silent logs. */
export function workerHarness(
  registry: Registry,
  options: { now?: number; revoked?: readonly string[] } = {},
) {
  let now = options.now ?? NOW;
  const clock = () => now;
  const store = new MemoryWorkerStore(clock);
  const workflow = new MemoryWorkflow();
  const lines: string[] = [];
  const budgets = new Map(
    [...registry.queues.values()].map((q) => [
      q.name,
      maxReceiveCountOf(
        q,
        [...registry.tasks.values()].map((t) => t.definition).filter((t) => t.queue === q.name),
      ),
    ]),
  );
  const deps: RecordDeps = {
    store,
    workflow,
    registry,
    log: createLogger({}, (line) => lines.push(line), 'debug'),
    requestId: 'req-1',
    now: clock,
    deadline: NOW + 60_000,
    random: () => 0.5,
    receiveBudget: (queue) => budgets.get(queue) ?? Defaults.MIN_MAX_RECEIVE_COUNT,
  };
  const revoked = new Set(options.revoked ?? []);
  return {
    store,
    workflow,
    deps,
    lines,
    /** Move the clock. */
    advance(ms: number) {
      now += ms;
    },
    /** Handle one record as the worker does. */
    run(record: SqsRecord): Promise<Outcome> {
      return runRecord(decodeRecord(record), revoked, deps);
    },
  };
}

/** Narrow a decision in a test. */
export function expectKind<K extends Decision['kind'] | 'run'>(
  value: { kind: string },
  kind: K,
): asserts value is Extract<Decision | Runnable, { kind: K }> {
  if (value.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(value)}`);
}
